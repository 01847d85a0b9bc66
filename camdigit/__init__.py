"""camdigit: read handwritten digits through a camera with a small int8 CNN (LiteRT runtime)."""

from camdigit.core.classifier import Classification, DigitClassifier, ModelError
from camdigit.core.detections import Detections, FrameResult, Number
from camdigit.core.finder import DigitFinder, FinderConfig
from camdigit.core.pipeline import Recognizer
from camdigit.core.preprocess import normalize_digit, normalize_digits
from camdigit.core.tracking import DigitTracker
from camdigit.io.sources import Frame, SourceError, open_source

__all__ = [
    "Classification",
    "Detections",
    "DigitClassifier",
    "DigitFinder",
    "DigitTracker",
    "FinderConfig",
    "Frame",
    "FrameResult",
    "ModelError",
    "Number",
    "Recognizer",
    "SourceError",
    "normalize_digit",
    "normalize_digits",
    "open_source",
    "__version__",
]

__version__ = "0.2.0"
