"""Pages written by hand for the tests: MNIST digits put where a test wants them."""

from __future__ import annotations

import cv2
import numpy as np


def write_digit(page: np.ndarray, image: np.ndarray, x: int, y: int, side: int) -> tuple:
    """Write an MNIST digit (ink bright) scaled to ``side`` px, its ink's box at (x, y), in
    dark ink on ``page``; returns the ink's box."""
    digit = cv2.resize(image, (side, side), interpolation=cv2.INTER_LINEAR)
    ys, xs = np.nonzero(digit > 60)
    digit = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = digit.shape
    region = page[y : y + h, x : x + w]
    np.minimum(region, (235 - digit.astype(np.int32) * 0.85).astype(np.uint8), out=region)
    return x, y, w, h


def write_number(
    page: np.ndarray, images: np.ndarray, x: int, y: int, side: int, gap: int
) -> list[tuple]:
    """Write ``images`` (MNIST digits) side by side on ``page`` with :func:`write_digit`, the
    first ink box at (x, y), each next one ``gap`` px after the one before (below 0: they
    overlap); returns their ink boxes."""
    boxes = []
    for image in images:
        box = write_digit(page, image, x, y, side)
        boxes.append(box)
        x = box[0] + box[2] + gap
    return boxes


def number_page(images: np.ndarray) -> tuple[np.ndarray, list[tuple]]:
    """``images`` written 170 px tall on one line, 40 px apart, on a 900x360 grey page; with
    their ink boxes."""
    page = np.full((360, 900), 215, np.uint8)
    return page, write_number(page, images, 80, 90, 170, 40)


def cropped(page: np.ndarray, boxes: list[tuple], cut: int) -> np.ndarray:
    """``page`` cropped to the union of ``boxes``, ``cut`` px further in on every side (below
    0: a margin of paper), as a BGR frame."""
    x0 = min(b[0] for b in boxes) + cut
    y0 = min(b[1] for b in boxes) + cut
    x1 = max(b[0] + b[2] for b in boxes) - cut
    y1 = max(b[1] + b[3] for b in boxes) - cut
    return cv2.cvtColor(np.ascontiguousarray(page[y0:y1, x0:x1]), cv2.COLOR_GRAY2BGR)
