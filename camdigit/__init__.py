"""camdigit: read handwritten digits through a camera with a small int8 CNN (LiteRT runtime)."""

from camdigit.classifier import Classification, DigitClassifier, ModelError
from camdigit.detections import Detections, FrameResult, Number
from camdigit.finder import DigitFinder, FinderConfig
from camdigit.pipeline import Recognizer
from camdigit.preprocess import normalize_digit, normalize_digits
from camdigit.sources import Frame, SourceError, open_source
from camdigit.tracking import DigitTracker

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
