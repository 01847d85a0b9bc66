"""Labels on the demo's own output: no digit's label or number's tag covers another digit."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from camdigit.core.classifier import DigitClassifier
from camdigit.core.pipeline import Recognizer
from camdigit.core.tracking import DigitTracker
from camdigit.io import drawing

SAMPLES = Path(__file__).resolve().parents[1] / "camdigit" / "samples"
FRAMES = 60


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def covered(frame, result, monkeypatch) -> list[str]:
    """Labels drawn on ``frame`` for ``result`` that cover a digit not their own."""
    placed = []
    draw = drawing._label

    def spy(image, rect, text, font_scale, colour):
        placed.append(tuple(int(v) for v in rect))
        return draw(image, rect, text, font_scale, colour)

    monkeypatch.setattr(drawing, "_label", spy)
    drawing.Annotator().annotate(frame.copy(), result)
    d = result.detections
    boxes = [(x, y, x + w, y + h) for x, y, w, h in d.boxes.tolist()]
    # labels come in the order drawn: one per digit, then one tag per number
    owners = [{k} for k in range(len(boxes))] + [set(n.members) for n in result.numbers]
    assert len(placed) == len(owners)  # every digit and number was labelled, through _label
    problems = []
    for rect, own in zip(placed, owners, strict=True):
        for k, box in enumerate(boxes):
            if k not in own and overlaps(rect, box):
                problems.append(f"label {rect} covers digit {d.digits[k]} at {box}")
    return problems


@pytest.mark.slow
def test_no_label_covers_another_digit_on_the_demo(monkeypatch):
    photo = cv2.imread(str(SAMPLES / "demo_photo.jpg"))
    result = Recognizer(DigitClassifier()).process(photo, still=True)
    assert len(result.detections) > 20
    assert covered(photo, result, monkeypatch) == []
    recognizer = Recognizer(DigitClassifier(), tracker=DigitTracker())
    capture = cv2.VideoCapture(str(SAMPLES / "demo_video.mp4"))
    problems, frames = [], 0
    while frames < FRAMES:
        ok, frame = capture.read()
        if not ok:
            break
        problems += covered(frame, recognizer.process(frame, index=frames), monkeypatch)
        frames += 1
    assert frames == FRAMES and problems == []
