"""Reading image files, with one clear error for anything that is not a readable image."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from camdigit.quiet import quiet_stderr


class ImageError(Exception):
    """An image file is missing or cannot be decoded."""


def read_image(path: Path | str) -> np.ndarray:
    """Read an image as stored: grayscale, BGR or BGRA, 8 or 16 bit."""
    path = Path(path)
    if not path.exists():
        raise ImageError(f"image not found: {path}")
    if not path.is_file():
        raise ImageError(f"not a file: {path}")
    try:
        data = np.fromfile(path, np.uint8)
    except OSError as exc:
        raise ImageError(f"cannot read {path}: {exc.strerror}") from None
    with quiet_stderr():  # libjpeg's "Premature end of JPEG file": we report it ourselves
        image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:
        raise ImageError(f"cannot decode {path}: not an image OpenCV can read (PNG, JPEG, ...)")
    return image
