"""Drawing a frame's result over it: a box and label per digit, numbers, and a speed overlay.

Drawing is kept apart from recognition: :class:`Annotator` only reads a
:class:`~camdigit.core.detections.FrameResult`. It draws in place; pass ``frame.copy()`` when the
original is still needed (a copy costs time on a Raspberry Pi).

Digits and numbers are told apart by colour and by place: a digit has a thin box and a small
label under it; a number has one wider box around all its digits, in its own colour, and its
text on a tag above that box (below it when the tag would cover another label or digit, as on
tightly written rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from camdigit.core.detections import FrameResult

FONT = cv2.FONT_HERSHEY_SIMPLEX

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1


@dataclass(frozen=True)
class Style:
    digit_colour: tuple[int, int, int] = (40, 170, 0)  # BGR, confident digits
    doubtful_colour: tuple[int, int, int] = (0, 150, 255)  # below `doubtful` confidence
    number_colour: tuple[int, int, int] = (200, 40, 160)
    doubtful: float = 0.8  # below this, a digit is drawn in its own colour with its confidence
    show_confidence: bool = False  # the confidence of every digit, not only doubtful ones


class Annotator:
    """Draws digits, numbers and an FPS / ms-per-frame overlay onto BGR frames."""

    def __init__(self, style: Style | None = None) -> None:
        self.style = style or Style()
        self._corner = 0  # where the speed overlay went last: it stays while that is free

    def annotate(
        self,
        frame: np.ndarray,
        result: FrameResult,
        fps: float | None = None,
        ms_per_frame: float | None = None,
    ) -> np.ndarray:
        """Draw onto ``frame`` (BGR uint8, changed in place) and return it."""
        if frame.ndim == 2 or frame.shape[2] == 1:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        scale = max(frame.shape[:2]) / 1000.0
        thickness = max(1, round(2 * scale))
        d = result.detections
        # labels and digits a number's tag should not cover, as rows of an array so that a tag
        # is tested against all of them at once (a page holds a few dozen numbers and digits)
        taken = np.zeros((2 * len(d) + len(result.numbers), 4), np.int64)
        count = 0
        boxes = d.boxes.astype(np.int64).tolist()  # plain ints, read once
        # (confidences stay float32 scalars: the label's rounding is float32's)
        for (x, y, w, h), digit, confidence in zip(
            boxes, d.digits.tolist(), d.confidences, strict=True
        ):
            doubtful = confidence < self.style.doubtful
            colour = self.style.doubtful_colour if doubtful else self.style.digit_colour
            cv2.rectangle(frame, (x, y), (x + w, y + h), colour, thickness)
            label = str(digit)
            if doubtful or self.style.show_confidence:
                label += f" {confidence * 100:.0f}%"
            font_scale = min(max(h / 80.0, 0.35), 0.9)
            rect = _label_rect(frame, label, (x, y + h + 1), font_scale, below=True)
            _label(frame, rect, label, font_scale, colour)
            taken[count], taken[count + 1] = rect, (x, y, x + w, y + h)
            count += 2
        for number in result.numbers:
            x, y, w, h = number.box
            pad = thickness + 2
            x0, y0, x1, y1 = x - pad, y - pad, x + w + pad, y + h + pad
            cv2.rectangle(frame, (x0, y0), (x1, y1), self.style.number_colour, thickness)
            # Under the digits' own labels when the tag does not fit above.
            members = [boxes[m] for m in number.members]
            tallest = max((b[3] for b in members), default=h)
            font_scale = min(max(tallest / 60.0, 0.45), 1.1)
            under = y1 + round(0.5 * tallest) if members else y1
            places = [
                _label_rect(frame, number.text, (x0, y0), font_scale),
                _label_rect(frame, number.text, (x0, under), font_scale, below=True),
            ]
            own = {(b[0], b[1], b[0] + b[2], b[1] + b[3]) for b in members}
            rect = next((r for r in places if not _meets_any(r, taken[:count], own)), places[0])
            _label(frame, rect, number.text, font_scale, self.style.number_colour)
            taken[count] = rect
            count += 1
        if fps is not None or ms_per_frame is not None:
            parts = []
            if fps is not None:
                parts.append(f"{fps:.1f} FPS")
            if ms_per_frame is not None:
                parts.append(f"{ms_per_frame:.1f} ms/frame")
            parts.append(f"{len(d)} digits")
            text = "  ".join(parts)
            font_scale = max(0.5, 0.6 * scale)
            rect, self._corner = _free_corner(frame, text, font_scale, taken[:count], self._corner)
            _label(frame, rect, text, font_scale, (60, 60, 60))
        return frame


def _free_corner(
    frame: np.ndarray, text: str, font_scale: float, taken: np.ndarray, last: int = 0
) -> tuple[Rect, int]:
    """The speed overlay's place and corner: the corner where it covers the least of the digits,
    numbers and labels, so it never hides what was read. The ``last`` corner is tried first, so
    in video the overlay stays put while its corner is free (then top left, top right, ...)."""
    (tw, th), base = _text_size(text, font_scale)
    height, width = frame.shape[:2]
    w, h = tw + 2, th + base + 2
    corners = [(8, 8), (width - w - 8, 8), (8, height - h - 8), (width - w - 8, height - h - 8)]
    best, best_cover = (0, 0, w, h), None
    for k in [last, *(k for k in range(4) if k != last)]:
        x, y = max(0, corners[k][0]), max(0, corners[k][1])
        rect = (x, y, x + w, y + h)
        iw = np.clip(np.minimum(rect[2], taken[:, 2]) - np.maximum(rect[0], taken[:, 0]), 0, None)
        ih = np.clip(np.minimum(rect[3], taken[:, 3]) - np.maximum(rect[1], taken[:, 1]), 0, None)
        cover = int((iw * ih).sum())
        if best_cover is None or cover < best_cover:
            best, best_cover, corner = rect, cover, k
        if cover == 0:
            break
    return best, corner


def _label_rect(
    frame: np.ndarray, text: str, anchor: tuple[int, int], font_scale: float, below: bool = False
) -> Rect:
    """Where a label goes: above the anchor point (or below it), kept inside the frame."""
    (tw, th), base = _text_size(text, font_scale)
    x, y = anchor
    top = y if below else y - th - base - 2
    top = int(min(max(top, 0), frame.shape[0] - th - base - 2))
    x = int(min(max(x, 0), max(0, frame.shape[1] - tw - 2)))
    return x, top, x + tw + 2, top + th + base + 2


@lru_cache(maxsize=4096)
def _text_size(text: str, font_scale: float, thickness: int = 0) -> tuple[tuple[int, int], int]:
    """``cv2.getTextSize`` of a text (thickness 0: a label's, from its scale), remembered: a
    page's labels are the same few digits and numbers frame after frame, and each is measured
    to place it and again to draw it."""
    (width, height), base = cv2.getTextSize(
        text, FONT, font_scale, thickness or _thickness(font_scale)
    )
    return (width, height), base


def _thickness(font_scale: float) -> int:
    return max(1, round(font_scale * 1.5))


def label_size(lines: Sequence[str], font_scale: float) -> tuple[int, int, int]:
    """Width, height and line height of the box :func:`draw_label` fills for ``lines``."""
    sizes = [_text_size(text, font_scale) for text in lines]
    line_height = max(th + base for (_, th), base in sizes) + 2
    return max(tw for (tw, _), _ in sizes) + 2, line_height * len(lines), line_height


def draw_label(
    image: np.ndarray,
    lines: Sequence[str],
    topleft: tuple[int, int],
    font_scale: float,
    colour: tuple[int, int, int],
) -> Rect:
    """White lines of text on one box filled with ``colour`` whose top-left corner is
    ``topleft``: the one way camdigit labels what it drew (digits, numbers, the speed overlay,
    ``camdigit explain``'s readings). Returns the box (x0, y0, x1, y1)."""
    width, height, line_height = label_size(lines, font_scale)
    x0, y0 = topleft
    cv2.rectangle(image, (x0, y0), (x0 + width, y0 + height), colour, cv2.FILLED)
    for i, text in enumerate(lines):
        (_, th), _ = _text_size(text, font_scale)
        cv2.putText(
            image,
            text,
            (x0 + 1, y0 + i * line_height + th + 1),
            FONT,
            font_scale,
            (255, 255, 255),
            _thickness(font_scale),
            cv2.LINE_AA,
        )
    return x0, y0, x0 + width, y0 + height


def put_text(
    image: np.ndarray,
    text: str,
    org: tuple[int, int],
    font_scale: float = 0.5,
    colour: tuple[int, int, int] = (40, 40, 40),
    centred: bool = False,
) -> None:
    """Plain text (a chart's title, axis and values) with its baseline at ``org``, its middle
    there when ``centred``."""
    x, y = org
    if centred:
        (width, _), _ = _text_size(text, font_scale, 1)
        x -= width // 2
    cv2.putText(image, text, (int(x), int(y)), FONT, font_scale, colour, 1, cv2.LINE_AA)


def _label(
    frame: np.ndarray, rect: Rect, text: str, font_scale: float, colour: tuple[int, int, int]
) -> None:
    """One line of label where :func:`_label_rect` placed it."""
    draw_label(frame, [text], rect[:2], font_scale, colour)


def _meets_any(rect: Rect, taken: np.ndarray, own: set[Rect]) -> bool:
    """Whether ``rect`` overlaps any row of ``taken`` (x0, y0, x1, y1) that is not in ``own``
    (the number's own digits, which its tag may cover)."""
    hits = (
        (rect[0] < taken[:, 2])
        & (taken[:, 0] < rect[2])
        & (rect[1] < taken[:, 3])
        & (taken[:, 1] < rect[3])
    )
    return any(tuple(row) not in own for row in taken[hits].tolist())
