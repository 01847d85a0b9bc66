"""The model's first reading of a frame's proposals, row by row, as the pipeline fills it in.

Plain arrays, one row per proposal, zeros where a proposal is not read (yet): the pipeline reads
plain proposals and blobs whole first, then the pieces of the blobs in doubt, and grows these
arrays by the pieces' rows between the two batches.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from camdigit.core.classifier import CLASSES, Classification
from camdigit.core.detections import Detections
from camdigit.core.proposals import CLEAR_ROW, contested, log_odds
from camdigit.core.second_looks import confident
from camdigit.core.writing_heights import piece_heights, standing_height, writing_height


@dataclass
class FirstLook:
    """The model's first reading of a frame's proposals, per proposal (zeros where unread)."""

    digits: np.ndarray  # (N,) int64, the likeliest digit
    confidences: np.ndarray  # (N,) float32, its probability; 0 where judged no digit
    is_digit: np.ndarray  # (N,) float32, the model's probability that it is a digit at all
    raw: np.ndarray  # (N,) float32, the confidence before the is_digit cut
    probabilities: np.ndarray  # (N, 10) float32, the ten digits' probabilities
    read: np.ndarray  # (N,) bool

    @classmethod
    def unread(cls, n: int) -> FirstLook:
        return cls(
            digits=np.zeros(n, np.int64),
            confidences=np.zeros(n, np.float32),
            is_digit=np.zeros(n, np.float32),
            raw=np.zeros(n, np.float32),
            probabilities=np.zeros((n, CLASSES), np.float32),
            read=np.zeros(n, bool),
        )

    @property
    def as_digits(self) -> np.ndarray:
        """(N,) bool: the rows read as a digit at even odds or better (is_digit x confidence)."""
        return self.read & (self.is_digit * self.raw >= 0.5)

    def grown(self, more: int) -> FirstLook:
        """These readings and ``more`` unread rows after them."""
        return replace(
            self, **{f.name: grown_rows(getattr(self, f.name), more) for f in fields(self)}
        )

    def writing(
        self, boxes: np.ndarray, needs: np.ndarray, apart: np.ndarray | None = None
    ) -> float:
        """The frame's writing height (:func:`camdigit.core.writing_heights.writing_height`)
        from what the model read as digits or what follows a steady track (not ``needs``: not
        read again, in a video most of the frame's digits), not counting the rows ``apart``."""
        counted = self.as_digits | ~needs
        return writing_height(boxes, counted if apart is None else counted & ~apart)

    def fill(self, index: np.ndarray, result: Classification, min_digit: float) -> None:
        """Take the readings of the rows at ``index``."""
        self.digits[index], self.is_digit[index] = result.digits, result.is_digit
        self.raw[index] = result.confidences
        self.confidences[index] = confident(result, min_digit)
        self.probabilities[index] = result.probabilities
        self.read[index] = True

    def scores(self, proposals: Detections, writing: float) -> np.ndarray:
        """Log-odds of the proposals read (:func:`camdigit.core.proposals.log_odds`, the
        pieces of cut blobs marked by their ``clear``); very low for the others."""
        scores = np.full(len(proposals), -1e3, np.float32)
        done = np.flatnonzero(self.read)
        group = proposals.data["group"]
        pieces = proposals.data["clear"] > 0
        whole = self.as_digits & ~pieces & ~contested(group)
        standing = standing_height(proposals.boxes, whole)
        across = pieces & (proposals.data["clear"] < CLEAR_ROW)  # not the rows of a tall blob
        lattice = group, proposals.data["start"], proposals.data["end"]
        held = piece_heights(proposals.boxes, *lattice, across, standing)
        boxes, digits, is_digit, raw = (
            v[done] for v in (proposals.boxes, self.digits, self.is_digit, self.raw)
        )
        scores[done] = log_odds(boxes, digits, is_digit, raw, writing, pieces[done], held[done])
        return scores


def grown_rows(values: np.ndarray, more: int) -> np.ndarray:
    """``values`` with ``more`` rows of zeros (False) after them."""
    return np.concatenate([values, np.zeros((more, *values.shape[1:]), values.dtype)])
