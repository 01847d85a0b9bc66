"""Drawing a frame's result over it: a box and label per digit, numbers, and a speed overlay.

Drawing is kept apart from recognition: :class:`Annotator` only reads a
:class:`~camdigit.detections.FrameResult`. It draws in place; pass ``frame.copy()`` when the
original is still needed (a copy costs time on a Raspberry Pi).

Digits and numbers are told apart by colour and by place: a digit has a thin box and a small
label under it; a number has one wider box around all its digits, in its own colour, and its
text on a tag above that box (below it when the tag would cover another label or digit, as on
tightly written rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from camdigit.detections import FrameResult

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

    def annotate(
        self, frame: np.ndarray, result: FrameResult, fps: float | None = None,
        ms_per_frame: float | None = None,
    ) -> np.ndarray:
        """Draw onto ``frame`` (BGR uint8, changed in place) and return it."""
        if frame.ndim == 2 or frame.shape[2] == 1:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        scale = max(frame.shape[:2]) / 1000.0
        thickness = max(1, round(2 * scale))
        d = result.detections
        taken: list[Rect] = []  # labels and digits a number's tag should not cover
        for (x, y, w, h), digit, confidence in zip(d.boxes, d.digits, d.confidences, strict=True):
            x, y, w, h = int(x), int(y), int(w), int(h)
            doubtful = confidence < self.style.doubtful
            colour = self.style.doubtful_colour if doubtful else self.style.digit_colour
            cv2.rectangle(frame, (x, y), (x + w, y + h), colour, thickness)
            label = str(digit)
            if doubtful or self.style.show_confidence:
                label += f" {confidence * 100:.0f}%"
            font_scale = float(np.clip(h / 80.0, 0.35, 0.9))
            rect = _label_rect(frame, label, (x, y + h + 1), font_scale, below=True)
            _label(frame, rect, label, font_scale, colour)
            taken += [rect, (x, y, x + w, y + h)]
        for number in result.numbers:
            x, y, w, h = number.box
            pad = thickness + 2
            x0, y0, x1, y1 = x - pad, y - pad, x + w + pad, y + h + pad
            cv2.rectangle(frame, (x0, y0), (x1, y1), self.style.number_colour, thickness)
            # Under the digits' own labels when the tag does not fit above.
            members = [d.boxes[m] for m in number.members]
            tallest = max((int(b[3]) for b in members), default=h)
            font_scale = float(np.clip(tallest / 60.0, 0.45, 1.1))
            under = y1 + round(0.5 * tallest) if members else y1
            places = [_label_rect(frame, number.text, (x0, y0), font_scale),
                      _label_rect(frame, number.text, (x0, under), font_scale, below=True)]
            own = {tuple(int(v) for v in (b[0], b[1], b[0] + b[2], b[1] + b[3])) for b in members}
            others = [t for t in taken if t not in own]
            rect = next((r for r in places if not any(_meets(r, t) for t in others)), places[0])
            _label(frame, rect, number.text, font_scale, self.style.number_colour)
            taken.append(rect)
        if fps is not None or ms_per_frame is not None:
            parts = []
            if fps is not None:
                parts.append(f"{fps:.1f} FPS")
            if ms_per_frame is not None:
                parts.append(f"{ms_per_frame:.1f} ms/frame")
            parts.append(f"{len(d)} digits")
            text = "  ".join(parts)
            font_scale = max(0.5, 0.6 * scale)
            _label(frame, _label_rect(frame, text, (8, 8), font_scale, below=True), text,
                   font_scale, (60, 60, 60))
        return frame


def _label_rect(frame: np.ndarray, text: str, anchor: tuple[int, int], font_scale: float,
                below: bool = False) -> Rect:
    """Where a label goes: above the anchor point (or below it), kept inside the frame."""
    thickness = max(1, round(font_scale * 1.5))
    (tw, th), base = cv2.getTextSize(text, FONT, font_scale, thickness)
    x, y = anchor
    top = y if below else y - th - base - 2
    top = int(min(max(top, 0), frame.shape[0] - th - base - 2))
    x = int(min(max(x, 0), max(0, frame.shape[1] - tw - 2)))
    return x, top, x + tw + 2, top + th + base + 2


def _label(frame: np.ndarray, rect: Rect, text: str, font_scale: float,
           colour: tuple[int, int, int]) -> None:
    """White text on a filled box."""
    thickness = max(1, round(font_scale * 1.5))
    x0, y0, x1, y1 = rect
    (_, th), _ = cv2.getTextSize(text, FONT, font_scale, thickness)
    cv2.rectangle(frame, (x0, y0), (x1, y1), colour, cv2.FILLED)
    cv2.putText(frame, text, (x0 + 1, y0 + th + 1), FONT, font_scale, (255, 255, 255), thickness,
                cv2.LINE_AA)


def _meets(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
