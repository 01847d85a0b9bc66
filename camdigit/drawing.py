"""Drawing a frame's result over it: a box and label per digit, numbers, and a speed overlay.

Drawing is kept apart from recognition: :class:`Annotator` only reads a
:class:`~camdigit.detections.FrameResult`. It draws in place; pass ``frame.copy()`` when the
original is still needed (a copy costs time on a Raspberry Pi).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from camdigit.detections import FrameResult

FONT = cv2.FONT_HERSHEY_SIMPLEX


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
        for (x, y, w, h), digit, confidence in zip(d.boxes, d.digits, d.confidences, strict=True):
            doubtful = confidence < self.style.doubtful
            colour = self.style.doubtful_colour if doubtful else self.style.digit_colour
            cv2.rectangle(frame, (int(x), int(y)), (int(x + w), int(y + h)), colour, thickness)
            label = str(digit)
            if doubtful or self.style.show_confidence:
                label += f" {confidence * 100:.0f}%"
            font_scale = float(np.clip(h / 80.0, 0.35, 0.9))
            _label(frame, label, (int(x), int(y + h) + 1), font_scale, colour, below=True)
        for number in result.numbers:
            if len(number.members) < 2:
                continue  # a lone digit's own label says it all
            x, y, w, h = number.box
            font_scale = float(np.clip(h / 60.0, 0.45, 1.1))
            _label(frame, number.text, (x, y - 2), font_scale, self.style.number_colour)
        if fps is not None or ms_per_frame is not None:
            parts = []
            if fps is not None:
                parts.append(f"{fps:.1f} FPS")
            if ms_per_frame is not None:
                parts.append(f"{ms_per_frame:.1f} ms/frame")
            parts.append(f"{len(d)} digits")
            _label(frame, "  ".join(parts), (8, 8), max(0.5, 0.6 * scale), (60, 60, 60),
                   below=True)
        return frame


def _label(
    frame: np.ndarray, text: str, anchor: tuple[int, int], font_scale: float,
    colour: tuple[int, int, int], below: bool = False,
) -> None:
    """Text on a filled box, above the anchor point (or below it), kept inside the frame."""
    thickness = max(1, round(font_scale * 1.5))
    (tw, th), base = cv2.getTextSize(text, FONT, font_scale, thickness)
    x, y = anchor
    top = y if below else y - th - base - 2
    top = int(min(max(top, 0), frame.shape[0] - th - base - 2))
    x = int(min(max(x, 0), max(0, frame.shape[1] - tw - 2)))
    cv2.rectangle(frame, (x, top), (x + tw + 2, top + th + base + 2), colour, cv2.FILLED)
    cv2.putText(frame, text, (x + 1, top + th + 1), FONT, font_scale, (255, 255, 255), thickness,
                cv2.LINE_AA)
