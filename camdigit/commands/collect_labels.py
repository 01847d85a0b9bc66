"""How ``camdigit collect`` labels the digits of a captured frame (:func:`label_frame`): by a
prompted sheet's rows, a fixed label, the file's name, or the model's reading confirmed on the
terminal (:func:`terminal_ask`) or in the window (:func:`window_ask`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from camdigit.core.detections import Detections
from camdigit.core.lines import box_rows
from camdigit.core.pipeline import Recognizer
from camdigit.core.preprocess import SINGLE_DIGIT_SIDE, normalize_digit
from camdigit.data.datasets import label_from_name, to_model_input
from camdigit.io.sources import Frame

Ask = Callable[[np.ndarray, int, float, str], int | None]
"""Asks about one reading (crop, digit read, confidence, where it is); the label or None."""


class AnswersEnded(Exception):  # noqa: N818 (an end of input, not an error)
    """The terminal's input ended (Ctrl-D) while asking: keep the answers given, then stop."""

    def __init__(self, pairs: list[tuple[np.ndarray, int]]) -> None:
        super().__init__("input ended")
        self.pairs = pairs


"""Confirm a reading: (crop, digit, confidence) -> the label, or None to skip it."""


def sheet_labels(boxes: np.ndarray, sheet: str) -> list[int] | None:
    """Each box's label from its row of a prompted sheet; None when the rows do not match."""
    rows = box_rows(boxes)
    if len(rows) != len(sheet):
        return None
    labels = [0] * len(boxes)
    for row, char in zip(rows, sheet, strict=True):
        for i in row:
            labels[i] = int(char)
    return labels


def normalized_crops(found: Detections) -> list[np.ndarray]:
    return [normalize_digit(crop, ink="dark") for crop in found.data["crops"]]


def label_frame(
    frame: Frame,
    recognizer: Recognizer,
    args: argparse.Namespace,
    ask: Ask | None,
    key_label: int | None = None,
) -> list[tuple[np.ndarray, int]]:
    """The (crop, label) pairs of one captured frame, by the chosen labelling."""
    found = recognizer.find(frame.image)
    if len(found):
        crops = normalized_crops(found)
    elif frame.still and max(frame.image.shape[:2]) <= SINGLE_DIGIT_SIDE:
        crops = [to_model_input(frame.image)]  # a small photo of one digit, edge to edge
    else:
        return []
    if key_label is not None:
        return [(c, key_label) for c in crops]
    if args.sheet:
        labels = sheet_labels(found.boxes, args.sheet)
        if labels is None:
            rows = len(box_rows(found.boxes))
            print(
                f"camdigit: {frame.source} frame {frame.index}: {rows} rows of digits, the "
                f"sheet has {len(args.sheet)}: skipped",
                file=sys.stderr,
            )
            return []
        return list(zip(crops, labels, strict=True))
    if args.label is not None:
        return [(c, args.label) for c in crops]
    if args.from_names:
        label = label_from_name(Path(frame.source).name)
        if label is None:
            parent = Path(frame.source).parent.name
            label = int(parent) if parent.isdigit() and len(parent) == 1 else None
        if label is None:
            print(
                f"camdigit: no label in the name or folder of {frame.source}: skipped",
                file=sys.stderr,
            )
            return []
        return [(c, label) for c in crops]
    # --confirm: the model reads, the user (or --yes-above) decides.
    reading = recognizer.classifier.classify(np.stack(crops))
    pairs = []
    boxes = found.boxes if len(found) else np.zeros((len(crops), 4), np.int32)
    for k, (crop, digit, confidence, box) in enumerate(
        zip(crops, reading.digits, reading.confidences, boxes, strict=True)
    ):
        if confidence >= args.yes_above:
            pairs.append((crop, int(digit)))
        elif ask is not None:
            x, y, w, h = (int(v) for v in box)
            where = f"digit {k + 1} of {len(crops)}, at x {x} y {y} ({w}x{h} px)"
            try:
                label = ask(crop, int(digit), float(confidence), where)
            except EOFError:
                raise AnswersEnded(pairs) from None
            if label is not None:
                pairs.append((crop, label))
    return pairs


def terminal_ask(crop: np.ndarray, digit: int, confidence: float, where: str) -> int | None:
    """Ask on the terminal: Enter keeps the reading, a digit corrects it, anything else skips.
    Ctrl-D (end of input) raises EOFError: the caller keeps the answers given and stops."""
    answer = input(
        f"{where}: read {digit} ({confidence:.2f}): Enter keeps, a digit corrects, n skips: "
    )
    answer = answer.strip()
    if answer == "":
        return digit
    if answer.isdigit() and len(answer) == 1:
        return int(answer)
    return None


def window_ask(crop: np.ndarray, digit: int, confidence: float, where: str) -> int | None:
    """Ask in the window: Enter or y keeps, a digit key corrects, n or Esc skips."""
    big = cv2.resize(crop, (256, 256), interpolation=cv2.INTER_NEAREST)
    panel = cv2.cvtColor(big, cv2.COLOR_GRAY2BGR)
    cv2.putText(
        panel,
        f"{digit}? {confidence:.2f}",
        (8, 30),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.9,
        (0, 200, 255),
        2,
        cv2.LINE_AA,
    )
    cv2.imshow("camdigit collect: confirm", panel)
    while True:
        key = cv2.waitKey(0) & 0xFF
        if key in (13, 10, ord("y")):
            return digit
        if ord("0") <= key <= ord("9"):
            return key - ord("0")
        if key in (ord("n"), 27, 8):
            return None
