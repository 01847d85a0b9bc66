"""Reading image files, with one clear error for anything that is not a readable image.

Photos can be huge (a 20000x15000 scan is 900 MB as BGR pixels): :func:`read_image` looks at
the size in the file's header first and lets the decoder shrink such images while decoding
(``IMREAD_REDUCED_*``), so they cost tens of megabytes, not gigabytes. A JPEG cut short (a copy
that did not finish) is refused by name rather than read with a grey band.
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np

from camdigit.core.pixels import to_bgr8
from camdigit.errors import CamdigitError
from camdigit.io.quiet import quiet_libraries

MAX_PIXELS = 40_000_000
"""Images with more pixels are decoded at 1/2, 1/4 or 1/8 of their size, whichever fits."""

_SHRUNK = (
    (1, cv2.IMREAD_COLOR),
    (2, cv2.IMREAD_REDUCED_COLOR_2),
    (4, cv2.IMREAD_REDUCED_COLOR_4),
    (8, cv2.IMREAD_REDUCED_COLOR_8),
)

__all__ = [
    "MAX_PIXELS",
    "ImageError",
    "decode",
    "image_size",
    "jpeg_complete",
    "read_image",
    "shrunk_decoding",
    "to_bgr8",
]


class ImageError(CamdigitError):
    """An image file is missing or cannot be decoded."""


def read_image(path: Path | str) -> np.ndarray:
    """Read an image as stored: grayscale, BGR or BGRA, 8 or 16 bit (huge ones shrunk)."""
    path = Path(path)
    if not path.exists():
        raise ImageError(f"image not found: {path}")
    if not path.is_file():
        raise ImageError(f"not a file: {path}")
    try:
        data = np.fromfile(path, np.uint8)
    except OSError as exc:
        raise ImageError(f"cannot read {path}: {exc.strerror}") from None
    if data.size == 0:
        raise ImageError(f"empty file: {path}")
    if _is_jpeg(data) and not jpeg_complete(data):
        raise ImageError(
            f"truncated JPEG: {path} (the file ends before the image does; copy it again)"
        )
    # A JPEG has no alpha or 16-bit depth to keep, but may carry an EXIF rotation (phone photos):
    # read it upright, as a browser shows it. Other formats are read as stored.
    flags = cv2.IMREAD_COLOR if _is_jpeg(data) else cv2.IMREAD_UNCHANGED
    size = image_size(data)
    if size is not None and size[0] * size[1] > MAX_PIXELS:
        _, flags = shrunk_decoding(*size)
    quiet_libraries()  # OpenCV's own warnings (e.g. a PNG cut short): we report it ourselves
    image = decode(data, flags)
    if image is None:
        raise ImageError(f"cannot decode {path}: not an image OpenCV can read (PNG, JPEG, ...)")
    return image


def image_size(data: np.ndarray) -> tuple[int, int] | None:
    """(width, height) from a PNG or JPEG header, without decoding; None for other formats."""
    raw = data[:65536].tobytes() if data.size > 65536 else data.tobytes()
    if raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) >= 24:
        width, height = struct.unpack(">II", raw[16:24])
        return int(width), int(height)
    if _is_jpeg(data):
        return _jpeg_size(data.tobytes())
    return None


def _is_jpeg(data: np.ndarray) -> bool:
    return data.size >= 4 and data[0] == 0xFF and data[1] == 0xD8


def jpeg_complete(data: np.ndarray | bytes) -> bool:
    """A whole JPEG ends with the end-of-image marker (trailing padding aside): a copy that did
    not finish is refused by name rather than decoded with a grey band."""
    tail = np.frombuffer(data, np.uint8)[-4096:] if isinstance(data, bytes) else data[-4096:]
    end = np.flatnonzero((tail[:-1] == 0xFF) & (tail[1:] == 0xD9))
    return end.size > 0


def shrunk_decoding(width: int, height: int, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """``(factor, flags)`` to decode an image of ``width`` x ``height`` pixels at 1/factor of its
    size so it has at most ``max_pixels`` (libjpeg scales a JPEG in the DCT: cheap): factor 1
    with ``IMREAD_COLOR`` when it fits whole, else the first of 2, 4, 8 that fits, else 8 (the
    caller decides whether that is still too large)."""
    for factor, flags in _SHRUNK[:-1]:
        if width * height / factor**2 <= max_pixels:
            return factor, flags
    return _SHRUNK[-1]


def decode(data: np.ndarray | bytes, flags: int) -> np.ndarray | None:
    """``cv2.imdecode``; None for data it cannot decode (or decodes to nothing)."""
    try:
        image = cv2.imdecode(
            np.frombuffer(data, np.uint8) if isinstance(data, bytes) else data, flags
        )
    except cv2.error:
        return None
    return None if image is None or image.size == 0 else image


def _jpeg_size(raw: bytes) -> tuple[int, int] | None:
    """Walk the JPEG markers to the frame header (SOF) and read its size."""
    i = 2
    while i + 9 < len(raw):
        if raw[i] != 0xFF:
            return None
        marker = raw[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", raw[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", raw[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return None
