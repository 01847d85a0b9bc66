"""Where the shipped model files are, in a clone (editable install) and in an installed wheel.

A wheel carries them inside the package (``camdigit/models/``, see pyproject.toml); a clone
keeps them in the repository's top-level ``models/`` folder.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_MODEL = "digits_int8.tflite"

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # camdigit/, not camdigit/core/


def model_dirs() -> list[Path]:
    """Folders searched for shipped models, in order."""
    return [_PACKAGE_DIR / "models", _PACKAGE_DIR.parent / "models"]


def default_model_path(name: str = DEFAULT_MODEL) -> Path:
    """The shipped model file ``name``; the first searched path when none exists (for errors)."""
    candidates = [folder / name for folder in model_dirs()]
    for path in candidates:
        if path.is_file():
            return path
    return candidates[-1]
