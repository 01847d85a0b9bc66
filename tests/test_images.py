"""Reading odd image files: truncated, huge, 16-bit, with alpha, not images at all."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camdigit.io.images import MAX_PIXELS, ImageError, image_size, read_image, to_bgr8
from camdigit.io.sources import open_source


def test_truncated_jpeg_is_named(tmp_path):
    image = np.full((200, 300, 3), 200, np.uint8)
    cv2.putText(image, "42", (50, 150), cv2.FONT_HERSHEY_SIMPLEX, 4, (0, 0, 0), 8)
    ok, data = cv2.imencode(".jpg", image)
    whole = tmp_path / "whole.jpg"
    whole.write_bytes(data.tobytes())
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data.tobytes()[: len(data) // 2])
    assert read_image(whole).shape == (200, 300, 3)
    with pytest.raises(ImageError, match=r"truncated JPEG: .*cut.jpg"):
        read_image(cut)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.png", b"", "empty file"),
        ("text.png", b"just some text, not a picture", "cannot decode"),
        ("noise.jpg", bytes(range(256)) * 4, "cannot decode"),
    ],
)
def test_files_that_are_not_images_are_named(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImageError, match=f"{message}.*{name}|{name}.*{message}|{message}"):
        read_image(path)


def test_headers_give_the_size_without_decoding(tmp_path):
    image = np.zeros((123, 456, 3), np.uint8)
    for suffix in (".png", ".jpg"):
        ok, data = cv2.imencode(suffix, image)
        assert image_size(data.ravel()) == (456, 123)
    ok, data = cv2.imencode(".bmp", image)
    assert image_size(data.ravel()) is None


def test_huge_image_is_decoded_shrunk(tmp_path):
    height, width = 6000, 9000  # 54 M pixels: above the limit
    assert width * height > MAX_PIXELS
    big = np.full((height, width), 230, np.uint8)
    cv2.putText(big, "7", (3000, 4000), cv2.FONT_HERSHEY_SIMPLEX, 60, 0, 200)
    path = tmp_path / "scan.png"
    cv2.imwrite(str(path), big, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    del big
    image = read_image(path)
    assert image.shape[0] * image.shape[1] <= MAX_PIXELS
    assert image.shape[:2] == (3000, 4500)


def test_sixteen_bit_gray_and_alpha_become_8_bit_bgr():
    gray16 = np.full((10, 10), 65535, np.uint16)
    assert to_bgr8(gray16).dtype == np.uint8 and to_bgr8(gray16).max() == 255
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[..., 3] = 0  # fully transparent: the paper shows
    assert (to_bgr8(rgba) == 255).all() and to_bgr8(rgba).shape == (10, 10, 3)
    rgba[..., 3] = 255
    assert (to_bgr8(rgba) == 0).all()
    assert to_bgr8(np.ones((4, 4, 1), np.float32)).shape == (4, 4)


def test_image_source_delivers_8_bit_frames(tmp_path):
    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), np.full((40, 50, 4), 60000, np.uint16))
    frame = next(iter(open_source(str(path))))
    assert frame.image.dtype == np.uint8 and frame.image.shape == (40, 50, 3)
