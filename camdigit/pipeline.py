"""One frame in, digits and numbers out: find, normalize, classify (batched), track, group.

:class:`Recognizer` is the per-frame pipeline every front end shares (``camdigit run``, the demo,
the benchmark, the web app). It draws nothing and writes nothing: its :class:`FrameResult` is
plain data.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from camdigit.classifier import DigitClassifier
from camdigit.detections import Detections, FrameResult
from camdigit.finder import DigitFinder, FoundDigits, to_gray
from camdigit.numbers import group_numbers
from camdigit.preprocess import normalize_digits
from camdigit.tracking import DigitTracker

DEFAULT_MAX_SIDE = 1280
"""Frames larger than this are shrunk before digits are looked for (boxes stay in input pixels)."""

DEFAULT_MIN_DIGIT = 0.5
"""Crops the model judges a digit with a lower probability are not reported (11-class models)."""


class Recognizer:
    """Reads the digits and numbers in frames.

    Args:
        classifier: the digit model.
        finder: the digit finder (default settings when None).
        tracker: follows digits across frames of one video or camera for steady labels and to
            skip re-reading steady digits; None for independent images.
        conf: digits read with a lower (voted) confidence are not reported.
        max_side: shrink frames whose longest side is larger before finding digits; 0: never.
        min_digit: crops the model judges a digit with a lower probability (``is_digit``) are
            not reported; a 10-class model judges every crop a digit.
    """

    def __init__(
        self,
        classifier: DigitClassifier,
        finder: DigitFinder | None = None,
        tracker: DigitTracker | None = None,
        conf: float = 0.5,
        max_side: int = DEFAULT_MAX_SIDE,
        min_digit: float = DEFAULT_MIN_DIGIT,
    ) -> None:
        if not 0.0 <= conf <= 1.0:
            raise ValueError(f"conf must be between 0 and 1, got {conf}")
        if not 0.0 <= min_digit <= 1.0:
            raise ValueError(f"min_digit must be between 0 and 1, got {min_digit}")
        if max_side < 0:
            raise ValueError(f"max_side must be 0 (off) or positive, got {max_side}")
        self.classifier = classifier
        self.finder = finder or DigitFinder()
        self.tracker = tracker
        self.conf = conf
        self.max_side = max_side
        self.min_digit = min_digit

    def reset(self) -> None:
        """Start afresh (a new video or image): no track carries over."""
        if self.tracker is not None:
            self.tracker.reset()

    def find(self, frame: np.ndarray) -> FoundDigits:
        """The digit candidates of a frame, boxes in the frame's own pixels."""
        gray = to_gray(frame)
        longest = max(gray.shape[:2])
        if self.max_side and longest > self.max_side:
            factor = self.max_side / longest
            size = (max(1, round(gray.shape[1] * factor)), max(1, round(gray.shape[0] * factor)))
            small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
            return self.finder.find(small).scaled(1.0 / factor, gray.shape[1], gray.shape[0])
        return self.finder.find(gray)

    def process(
        self,
        frame: np.ndarray,
        source: str = "",
        index: int = 0,
        seconds: float = 0.0,
        still: bool = False,
    ) -> FrameResult:
        """Read one frame; a ``still`` (a photo) is read whole and not tracked."""
        timings: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[stage] = (now - clock) * 1e3
            clock = now

        found = self.find(frame)
        lap("find")
        n = len(found)
        tracker = None if still else self.tracker
        if tracker is not None:
            matched, needs = tracker.assign(found.boxes)
        else:
            matched, needs = np.full(n, -1, np.int64), np.ones(n, bool)
        to_read = np.flatnonzero(needs)
        crops = normalize_digits([found.crops[i] for i in to_read], ink="dark")
        lap("preprocess")
        digits = np.zeros(n, np.int64)
        confidences = np.zeros(n, np.float32)
        if len(to_read):
            result = self.classifier.classify(crops)
            digits[to_read] = result.digits
            # A crop judged not a digit reads with confidence 0: the conf filter drops it, and
            # a track's vote counts it against its digit.
            confidences[to_read] = np.where(result.is_digit >= self.min_digit,
                                            result.confidences, 0.0)
        lap("classify")
        if tracker is not None:
            tracks, digits, confidences = tracker.update(
                found.boxes, matched, digits, confidences, needs
            )
            detections = Detections(found.boxes, digits, confidences, tracks)
        else:
            detections = Detections(found.boxes, digits, confidences)
        detections = detections[detections.confidences >= self.conf]
        numbers = group_numbers(detections, None if tracker is None else tracker.numbers)
        lap("track")
        return FrameResult(source, index, seconds, detections, numbers, timings, len(to_read),
                           still=still)
