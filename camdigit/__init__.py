"""camdigit: read handwritten digits through a camera with a small int8 CNN (LiteRT runtime)."""

from camdigit.classifier import Classification, DigitClassifier, ModelError
from camdigit.preprocess import normalize_digit, normalize_digits

__all__ = [
    "Classification",
    "DigitClassifier",
    "ModelError",
    "normalize_digit",
    "normalize_digits",
    "__version__",
]

__version__ = "0.1.0"
