"""Scoring one frame's digits and numbers against the scene generator's ground truth.

A detection matches a truth box when their IoU is at least 0.3, or when each box holds the other's
centre (a loose box around a thin 1 has a low IoU but is plainly the same digit). Matching is
one-to-one, best overlap first. A detection matched to a digit the frame's border cuts
(``Truth.partial``) counts neither way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from camdigit.detections import Detections, Number, iou_matrix

MATCH_IOU = 0.3


@dataclass
class Score:
    """Counts over any number of frames; the rates are derived from them."""

    frames: int = 0
    truth: int = 0  # whole digits on the page
    found: int = 0  # truth digits with a matching detection
    read: int = 0  # ... whose digit is right
    detections: int = 0  # detections that are not on a cut digit
    false: int = 0  # detections matching no digit
    numbers: int = 0  # whole numbers on the page
    numbers_read: int = 0  # numbers whose text and digits were read exactly
    errors: list[tuple[str, int, int, int, tuple[int, int, int, int]]] = field(
        default_factory=list, repr=False
    )  # (kind "missed"/"wrong"/"false", frame, truth, read, box)

    def add(self, other: Score) -> None:
        for name in ("frames", "truth", "found", "read", "detections", "false", "numbers",
                     "numbers_read"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)

    @property
    def recall(self) -> float:
        return self.found / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return (self.detections - self.false) / self.detections if self.detections else 1.0

    @property
    def label_accuracy(self) -> float:
        """Right digits among the found ones."""
        return self.read / self.found if self.found else 1.0

    @property
    def read_accuracy(self) -> float:
        """Digits read right / digits on the page: the figure a user feels."""
        return self.read / self.truth if self.truth else 1.0

    @property
    def false_per_image(self) -> float:
        return self.false / self.frames if self.frames else 0.0

    @property
    def number_accuracy(self) -> float:
        return self.numbers_read / self.numbers if self.numbers else 1.0

    def as_dict(self) -> dict:
        return {
            "frames": self.frames,
            "digits": self.truth,
            "recall": round(self.recall, 5),
            "precision": round(self.precision, 5),
            "label_accuracy": round(self.label_accuracy, 5),
            "read_accuracy": round(self.read_accuracy, 5),
            "false_per_image": round(self.false_per_image, 4),
            "number_accuracy": round(self.number_accuracy, 5),
            "numbers": self.numbers,
        }


def match(detected: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """For each truth box, the index of its matching detection, or -1."""
    result = np.full(len(truth), -1, np.int64)
    if len(detected) == 0 or len(truth) == 0:
        return result
    iou = iou_matrix(truth, detected)
    contains = _holds_centre(truth, detected) & _holds_centre(detected, truth).T
    score = np.where(iou >= MATCH_IOU, iou, 0.0) + np.where(contains, MATCH_IOU, 0.0)
    used = np.zeros(len(detected), bool)
    for flat in np.argsort(-score, axis=None):
        t, d = divmod(int(flat), len(detected))
        if score[t, d] <= 0:
            break
        if result[t] >= 0 or used[d]:
            continue
        result[t] = d
        used[d] = True
    return result


def _holds_centre(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[i, j]: box a[i] holds the centre of box b[j]."""
    cx = b[:, 0] + b[:, 2] / 2.0
    cy = b[:, 1] + b[:, 3] / 2.0
    return (
        (a[:, None, 0] <= cx[None]) & (cx[None] <= a[:, None, 0] + a[:, None, 2])
        & (a[:, None, 1] <= cy[None]) & (cy[None] <= a[:, None, 1] + a[:, None, 3])
    )


def score_frame(
    detections: Detections,
    numbers: list[Number],
    truth_boxes: np.ndarray,
    truth_labels: np.ndarray,
    truth_partial: np.ndarray,
    truth_numbers: list[tuple[str, tuple[int, int, int, int]]],
    frame: int = 0,
) -> Score:
    """Score one frame (see the module's docstring for the rules)."""
    matched = match(detections.boxes, truth_boxes)
    on_partial = np.zeros(len(detections), bool)
    on_partial[matched[(matched >= 0) & truth_partial]] = True
    matched_any = np.zeros(len(detections), bool)
    matched_any[matched[matched >= 0]] = True
    whole = ~truth_partial
    score = Score(frames=1, truth=int(whole.sum()), detections=int((~on_partial).sum()))
    for t in np.flatnonzero(whole):
        d = matched[t]
        box = tuple(int(v) for v in truth_boxes[t])
        if d < 0:
            score.errors.append(("missed", frame, int(truth_labels[t]), -1, box))
            continue
        score.found += 1
        if detections.digits[d] == truth_labels[t]:
            score.read += 1
        else:
            score.errors.append(("wrong", frame, int(truth_labels[t]), int(detections.digits[d]),
                                 box))
    for d in np.flatnonzero(~matched_any):
        score.false += 1
        box = tuple(int(v) for v in detections.boxes[d])
        score.errors.append(("false", frame, -1, int(detections.digits[d]), box))
    read_numbers = {(n.text, n.box) for n in numbers}
    score.numbers = len(truth_numbers)
    for text, box in truth_numbers:
        score.numbers_read += any(
            t == text and _same_box(b, box) for t, b in read_numbers
        )
    return score


def _same_box(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    one = np.array([a], np.float64)
    two = np.array([b], np.float64)
    return bool(iou_matrix(one, two)[0, 0] >= 0.5)
