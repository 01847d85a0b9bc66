"""Uploaded images, decoded in memory and checked; nothing here touches the file system.

Only JPEG, PNG, WebP and BMP are accepted, recognised by their first bytes (never by a file
name). Their size is read from the header before decoding, so a small file that would decode to
a huge image (a "decompression bomb") is refused, or, for a JPEG, decoded at 1/2, 1/4 or 1/8 of
its size. A JPEG's EXIF orientation is applied, as a browser shows it.
"""

from __future__ import annotations

import struct

import cv2
import numpy as np

from camdigit.io.images import (
    MAX_PIXELS,
    decode,
    image_size,
    jpeg_complete,
    shrunk_decoding,
    to_bgr8,
)

FORMATS = "JPEG, PNG, WebP or BMP"


class UploadError(ValueError):
    """An upload is not an image camdigit can read; the message says why (an HTTP 400)."""


def sniff(data: bytes) -> str | None:
    """The image format from the first bytes: "jpeg", "png", "webp", "bmp" or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM":
        return "bmp"
    return None


def header_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """(width, height) from the header, without decoding; None when it cannot be read."""
    try:
        if kind in ("jpeg", "png"):
            return image_size(np.frombuffer(data, np.uint8))
        if kind == "bmp":
            width, height = struct.unpack("<ii", data[18:26])
            return abs(width), abs(height)
        if kind == "webp":
            chunk = data[12:16]
            if chunk == b"VP8X":
                width = int.from_bytes(data[24:27], "little") + 1
                height = int.from_bytes(data[27:30], "little") + 1
                return width, height
            if chunk == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            if chunk == b"VP8 ":
                width, height = struct.unpack("<HH", data[26:30])
                return width & 0x3FFF, height & 0x3FFF
    except struct.error:
        return None
    return None


def decode_image(data: bytes, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode an uploaded image to 8-bit BGR (or grayscale); :class:`UploadError` if it is not
    a whole, readable image of a supported format and size."""
    if not data:
        raise UploadError("empty upload: no image data")
    kind = sniff(data)
    if kind is None:
        raise UploadError(f"not an image: send a {FORMATS} file")
    size = header_size(data, kind)
    if size is None or size[0] <= 0 or size[1] <= 0:
        raise UploadError(f"not a readable {kind.upper()} image (damaged header)")
    width, height = size
    flags = cv2.IMREAD_UNCHANGED  # keeps alpha (laid over white by to_bgr8) and 16-bit PNGs
    if kind == "jpeg":
        if not jpeg_complete(data):
            raise UploadError("truncated JPEG: the file ends before the image does")
        factor, flags = shrunk_decoding(width, height, max_pixels)
        if width * height / factor**2 > max_pixels:
            raise UploadError(f"image too large: {width}x{height} pixels")
    elif width * height > max_pixels:
        raise UploadError(
            f"image too large: {width}x{height} pixels (at most {max_pixels / 1e6:.0f} megapixels)"
        )
    image = decode(data, flags)
    if image is None:
        raise UploadError(f"not a readable {kind.upper()} image (damaged or cut short)")
    return to_bgr8(image)
