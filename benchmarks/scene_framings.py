"""The still families framed as other hands hold a camera: portrait, the page on a desk, closer,
sideways.

    python -m benchmarks.scene_framings                       # every still family, every framing
    python -m benchmarks.scene_framings --families grid clean --framings portrait desk

The measuring stick renders its pages filling a landscape 960x720 frame. A phone is as often
held upright, a page lies on a desk with the desk around it, a camera comes closer to a few
digits. A measure taken of the frame where it should be taken of the writing (a line's length
from the frame's side, the writing's height from the largest blob) shows up as a family that
reads well as rendered and not framed otherwise: a portrait frame of graph paper gave no digit
until the finder's writing height stopped counting the grid's blob as writing. Each framing
cuts a part of the scene (digits the cut crosses are neither to be found nor false digits,
as at a video frame's border), sets it on a canvas, and reads it with ``camdigit run``'s own
code; the table gives, per family, the digits read and the false digits per image. Compare a
family's framings with each other, not with 100%.
"""

from __future__ import annotations

import dataclasses
from functools import partial

import cv2
import numpy as np

from benchmarks.family_tables import print_table, table_args
from benchmarks.scenes import Scene, Truth

DESK = (58, 84, 112)
"""A wooden desk's brown (BGR), plain: a desk's grain is the texture family's."""


@dataclasses.dataclass(frozen=True)
class Framing:
    """A part of the scene (``crop``: x0, y0, x1, y1 as shares of its width and height) scaled
    by ``scale`` onto a canvas of ``canvas`` (width, height as shares of the scene's) filled
    with ``ground``, centred."""

    crop: tuple[float, float, float, float]
    scale: float
    canvas: tuple[float, float]
    ground: tuple[int, int, int] = DESK
    quarter: int | None = None  # then the canvas turned (cv2.ROTATE_90_CLOCKWISE, ...)


FRAMINGS: dict[str, Framing] = {
    "landscape": Framing((0.0, 0.0, 1.0, 1.0), 1.0, (1.0, 1.0)),
    # a phone held upright: the middle of the page, 540x720
    "portrait": Framing((0.21875, 0.0, 0.78125, 1.0), 1.0, (0.5625, 1.0)),
    # the same part of the page on a desk, a landscape frame around it, 0.7 times as large
    "desk": Framing((0.21875, 0.0, 0.78125, 1.0), 0.7, (1.0, 1.0)),
    # a phone upright over the page on a desk: the page 0.7 times as large, desk above and below
    "portrait-desk": Framing((0.0, 0.0, 1.0, 1.0), 0.5625 * 0.9, (0.5625, 1.0)),
    # a camera brought closer: the middle half of the page twice as large
    "closer": Framing((0.25, 0.25, 0.75, 0.75), 2.0, (1.0, 1.0)),
    # the page taken sideways: a phone held across it, its photo's orientation tag lost
    "sideways": Framing((0.0, 0.0, 1.0, 1.0), 1.0, (1.0, 1.0), quarter=cv2.ROTATE_90_CLOCKWISE),
}
"""Each framing's name and how it cuts and places the 960x720 scene."""


def framed(scene: Scene, framing: Framing) -> tuple[np.ndarray, Truth]:
    """The scene's image as ``framing`` frames it and its truth in the new image's pixels:
    digits the crop cuts are partial (their boxes cut to what it shows), numbers and marks it
    cuts are left out."""
    height, width = scene.image.shape[:2]
    x0, y0, x1, y1 = (
        round(share * side)
        for share, side in zip(framing.crop, (width, height, width, height), strict=True)
    )
    canvas_w, canvas_h = round(framing.canvas[0] * width), round(framing.canvas[1] * height)
    part = scene.image[y0:y1, x0:x1]
    scale = framing.scale
    if scale != 1.0:
        shrink = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        part = cv2.resize(part, None, fx=scale, fy=scale, interpolation=shrink)
    part = part[:canvas_h, :canvas_w]
    image = np.empty((canvas_h, canvas_w, 3), np.uint8)
    image[:] = framing.ground
    left, top = (canvas_w - part.shape[1]) // 2, (canvas_h - part.shape[0]) // 2
    image[top : top + part.shape[0], left : left + part.shape[1]] = part

    def inside(boxes: np.ndarray) -> np.ndarray:
        b = np.asarray(boxes, np.float64).reshape(-1, 4)
        return (
            (b[:, 0] >= x0)
            & (b[:, 1] >= y0)
            & (b[:, 0] + b[:, 2] <= x1)
            & (b[:, 1] + b[:, 3] <= y1)
        )

    def moved(boxes: np.ndarray) -> np.ndarray:
        b = np.asarray(boxes, np.float64).reshape(-1, 4)
        shifted = (b - [x0, y0, 0, 0]) * scale + [left, top, 0, 0]
        return np.round(shifted).astype(np.int32)

    def visible(boxes: np.ndarray) -> np.ndarray:
        """Boxes cut to the part of the scene the framing shows (a digit the crop cuts shows
        only its ink inside: the truth's boxes are the visible ink's)."""
        b = moved(boxes)
        x_0, y_0 = np.maximum(b[:, 0], left), np.maximum(b[:, 1], top)
        x_1 = np.minimum(b[:, 0] + b[:, 2], left + part.shape[1])
        y_1 = np.minimum(b[:, 1] + b[:, 3], top + part.shape[0])
        sizes = np.maximum(0, np.column_stack([x_1 - x_0, y_1 - y_0]))  # none where all cut
        return np.column_stack([x_0, y_0, sizes]).astype(np.int32)

    truth = scene.truth
    numbers = [
        (text, tuple(moved(np.array(box))[0].tolist()))
        for text, box in truth.numbers
        if inside(np.array(box))[0]
    ]
    marks = truth.marks[inside(truth.marks)] if len(truth.marks) else truth.marks
    truth = dataclasses.replace(
        truth,
        boxes=visible(truth.boxes),
        partial=truth.partial | ~inside(truth.boxes),
        numbers=numbers,
        marks=moved(marks),
    )
    return (image, truth) if framing.quarter is None else turned(image, truth, framing.quarter)


def turned(image: np.ndarray, truth: Truth, quarter: int) -> tuple[np.ndarray, Truth]:
    """``image`` turned a quarter (``quarter``: cv2.ROTATE_90_CLOCKWISE or
    cv2.ROTATE_90_COUNTERCLOCKWISE) and its ``truth`` with it."""
    height, width = image.shape[:2]

    def moved(boxes: np.ndarray) -> np.ndarray:
        b = np.asarray(boxes, np.int64).reshape(-1, 4)
        x, y, w, h = b.T
        if quarter == cv2.ROTATE_90_CLOCKWISE:  # (row, col) goes to (col, height - 1 - row)
            out = np.column_stack([height - y - h, x, h, w])
        else:  # (row, col) goes to (width - 1 - col, row)
            out = np.column_stack([y, width - x - w, h, w])
        return out.astype(np.int32)

    numbers = [(text, tuple(moved(np.array(box))[0].tolist())) for text, box in truth.numbers]
    marks = moved(truth.marks) if len(truth.marks) else truth.marks
    boxes = dataclasses.replace(truth, boxes=moved(truth.boxes), numbers=numbers, marks=marks)
    return cv2.rotate(image, quarter), boxes


def main(argv: list[str] | None = None) -> int:
    args = table_args(
        __doc__.splitlines()[0],
        argv,
        lambda parser: parser.add_argument(
            "--framings", nargs="+", choices=list(FRAMINGS), default=list(FRAMINGS), metavar="NAME"
        ),
    )
    columns = [(name, name, partial(_framed_as, FRAMINGS[name])) for name in args.framings]
    caption = "read / false digits per image, in each framing of the 960x720 scenes"
    return print_table(args, "benchmarks.scene_framings", caption, columns)


def _framed_as(framing: Framing, scene: Scene) -> tuple[np.ndarray, Truth]:
    return framed(scene, framing)


if __name__ == "__main__":
    raise SystemExit(main())
