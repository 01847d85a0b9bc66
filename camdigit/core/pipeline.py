"""One frame in, digits and numbers out: find, normalize, classify (batched), track, group.

:class:`Recognizer` is the per-frame pipeline every front end shares (``camdigit run``, the demo,
the benchmark, the web app). It draws nothing and writes nothing: its :class:`FrameResult` is
plain data.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from camdigit.core.classifier import Classification, DigitClassifier
from camdigit.core.cuts import blob_pieces
from camdigit.core.detections import Detections, FrameResult
from camdigit.core.finder import DigitFinder, to_gray
from camdigit.core.numbers import group_numbers
from camdigit.core.preprocess import normalize_digits
from camdigit.core.proposals import (
    END,
    choose,
    contested,
    log_odds,
    settled,
    unbeatable,
    unclear_cuts,
    writing_height,
)
from camdigit.core.reported import reported
from camdigit.core.second_looks import confident, read_tilted, read_upright
from camdigit.core.slant import stray_ones
from camdigit.core.tracking import DigitTracker, Readings

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

    def propose(self, frame: np.ndarray) -> Detections:
        """The finder's proposals for a frame (alternatives included; unread detections, see
        :func:`camdigit.core.finder.proposals`), boxes in the frame's own pixels."""
        gray = to_gray(frame)
        longest = max(gray.shape[:2])
        if self.max_side and longest > self.max_side:
            factor = self.max_side / longest
            size = (max(1, round(gray.shape[1] * factor)), max(1, round(gray.shape[0] * factor)))
            small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
            return self.finder.find(small).scaled(1.0 / factor, gray.shape[1], gray.shape[0])
        return self.finder.find(gray)

    def find(self, frame: np.ndarray) -> Detections:
        """The digit candidates of a frame, one box each, boxes in the frame's own pixels: where
        the finder proposed alternatives (a blob whole or cut, parts together or apart), the
        model reads them and the likeliest is kept. For callers that want crops of digits
        (collecting, explaining); :meth:`process` reads and judges them all at once."""
        proposals = self.propose(frame)
        if not (contested(proposals.data["group"]).any() or proposals.data["cuttable"].any()):
            return proposals
        proposals, digits, _, scores, _ = self._read(proposals, np.ones(len(proposals), bool), {})
        return proposals[choose(*_lattice(proposals), scores, digits)]

    def _classify(self, crops: list[np.ndarray], timings: dict[str, float]) -> Classification:
        """The model's reading of finder crops; adds the milliseconds of normalizing and
        classifying to ``timings["preprocess"]`` and ``timings["classify"]``."""
        started = time.perf_counter()
        normalized = normalize_digits(crops, ink="dark")
        done_normalizing = time.perf_counter()
        result = self.classifier.classify(normalized)
        timings["preprocess"] += (done_normalizing - started) * 1e3
        timings["classify"] += (time.perf_counter() - done_normalizing) * 1e3
        return result

    def _read(
        self, proposals: Detections, needs: np.ndarray, timings: dict[str, float]
    ) -> tuple[Detections, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Read the proposals that ``needs`` says, in at most two batched calls: plain ones and
        blobs whole first, then the pieces of the blobs whose whole reading a cut could beat
        (a ``cuttable`` blob's pieces are made only then, and added to its group).
        Returns the proposals with those pieces, and per proposal: digit, confidence (0 when
        judged not a digit), score for :func:`camdigit.core.proposals.choose` (very low where
        unread) and whether it was read. ``timings`` gets the milliseconds of "preprocess" and
        "classify"."""
        timings["preprocess"] = timings["classify"] = 0.0
        n = len(proposals)
        digits = np.zeros(n, np.int64)
        confidences = np.zeros(n, np.float32)
        is_digit = np.zeros(n, np.float32)
        raw = np.zeros(n, np.float32)  # confidence among the digits, before the is_digit cut
        read = np.zeros(n, bool)
        group, start, end = _lattice(proposals)
        whole = (start == 0) & (end == END)
        batch = needs & (~contested(group) | whole)
        self._read_batch(proposals, batch, timings, digits, confidences, is_digit, raw, read)
        # the writing's height, from what the model read as digits
        writing = writing_height(proposals.boxes, read & (is_digit * raw >= 0.5))
        scores = _scores(proposals.boxes, digits, is_digit, raw, read, writing)
        # the second look: pieces of blobs whose whole is in doubt, cut now where not yet cut
        doubt = whole & read & (scores <= unbeatable())
        sure = whole & read & ~doubt
        pieces = blob_pieces(proposals, np.flatnonzero(doubt & proposals.data["cuttable"]))
        if len(pieces):
            more = len(pieces)
            proposals = Detections.concat(proposals, pieces)
            needs = np.concatenate([needs, np.ones(more, bool)])
            sure, digits, read = _grown(sure, more), _grown(digits, more), _grown(read, more)
            confidences, is_digit, raw = (_grown(a, more) for a in (confidences, is_digit, raw))
            group = proposals.data["group"]
        batch = needs & contested(group) & ~read & ~np.isin(group, group[sure])
        self._read_batch(proposals, batch, timings, digits, confidences, is_digit, raw, read)
        scores = _scores(proposals.boxes, digits, is_digit, raw, read, writing)
        return proposals, digits, confidences, scores, read

    def _read_batch(
        self,
        proposals: Detections,
        batch: np.ndarray,
        timings: dict[str, float],
        digits: np.ndarray,
        confidences: np.ndarray,
        is_digit: np.ndarray,
        raw: np.ndarray,
        read: np.ndarray,
    ) -> None:
        """Classify the proposals ``batch`` marks in one call, filling the arrays given."""
        index = np.flatnonzero(batch)
        if not len(index):
            return
        crops = proposals.data["crops"]
        result = self._classify([crops[i] for i in index], timings)
        digits[index], is_digit[index] = result.digits, result.is_digit
        raw[index] = result.confidences
        confidences[index] = confident(result, self.min_digit)
        read[index] = True

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

        proposals = self.propose(frame)
        lap("find")
        tracker = None if still else self.tracker
        # Proposals with alternatives (a blob whole or cut, parts together or apart) are read
        # unless a tracker settled them; a plain proposal unless its track is steady.
        group, start, end = _lattice(proposals)
        settled_path = np.zeros(len(proposals), bool)
        if tracker is not None:
            steady = tracker.steady(proposals)
            settled_path = settled(group, start, end, steady)
            unsettled = contested(group) & ~np.isin(group, group[settled_path])
            needs_all = ~steady | unsettled
        else:
            needs_all = np.ones(len(proposals), bool)
        proposals, digits_all, conf_all, scores, read = self._read(proposals, needs_all, timings)
        added = len(proposals) - len(settled_path)  # the pieces of blobs cut while reading
        settled_path = np.concatenate([settled_path, np.zeros(added, bool)])
        group, start, end = _lattice(proposals)
        keep = choose(group, start, end, scores, digits_all)
        # a group a tracker settled keeps its settled path
        keep = np.where(np.isin(group, group[settled_path]), settled_path, keep)
        found = proposals[keep]
        found_crops = found.data["crops"]
        digits, confidences, was_read = digits_all[keep], conf_all[keep], read[keep]

        def classify(crops: list[np.ndarray]) -> Classification:
            return self._classify(crops, timings)

        upright = read_upright(found, digits, confidences, was_read, classify, self.min_digit)
        # a blob cut into pieces is read as digits only when every piece reads clearly
        unclear = unclear_cuts(found.data["group"], found.data["cut"], confidences, was_read)
        confidences[unclear] = 0.0
        read_tilted(found_crops, was_read & ~upright, digits, confidences, classify, self.conf)
        lap("choose")  # reading and choosing; _read timed its normalizing
        timings["classify"] = timings.pop("choose") - timings["preprocess"]
        if tracker is not None:
            late = {"preprocess": 0.0, "classify": 0.0}

            def classify_late(crops: list[np.ndarray]) -> Classification:
                return self._classify(crops, late)

            def read_found(needed: np.ndarray) -> Readings:
                """The readings of the chosen proposals: those read while choosing, and any
                other the tracker asks for read now (a doubtful one looked at tilted too)."""
                missing = needed & ~was_read
                if missing.any():
                    result = classify_late([found_crops[i] for i in np.flatnonzero(missing)])
                    digits[missing] = result.digits
                    confidences[missing] = confident(result, self.min_digit)
                    was_read[missing] = True
                    read_tilted(found_crops, missing, digits, confidences, classify_late, self.conf)
                return Readings(digits, confidences, was_read)

            size = (frame.shape[1], frame.shape[0])
            detections = tracker.update(found, read=read_found, size=size)
            for stage, ms in late.items():
                timings[stage] += ms
                clock += ms / 1e3  # counted above, not as tracking
        else:
            detections = found.replace(digits=digits, confidences=confidences)
        # what is reported: the read digits, without the proposals' crops and lattice (dropped
        # before selecting, so the crops are not copied only to be thrown away)
        read_digits = Detections(
            detections.boxes, detections.digits, detections.confidences, detections.tracks
        )
        kept = reported(found, detections.digits, detections.confidences, self.conf)
        detections = read_digits[kept]
        detections = detections[~stray_ones(detections.boxes, detections.digits)]
        if tracker is not None:  # digits missed for a frame or two stay on screen
            held = tracker.held(detections, frame.shape[1], frame.shape[0])
            held = held[held.confidences >= self.conf]
            if len(held):
                detections = Detections.concat(detections, held)
        numbers = group_numbers(detections, None if tracker is None else tracker.numbers)
        lap("track")
        # classified: every crop the model read, chosen or not
        classified = int(read.sum()) + int(was_read.sum() - read[keep].sum())
        return FrameResult(
            source, index, seconds, detections, numbers, timings, classified, still=still
        )


def _scores(
    boxes: np.ndarray,
    digits: np.ndarray,
    is_digit: np.ndarray,
    confidences: np.ndarray,
    read: np.ndarray,
    writing: float,
) -> np.ndarray:
    """Log-odds of the proposals read (:func:`camdigit.core.proposals.log_odds`); very low for
    the others."""
    scores = np.full(len(boxes), -1e3, np.float32)
    done = np.flatnonzero(read)
    scores[done] = log_odds(boxes[done], digits[done], is_digit[done], confidences[done], writing)
    return scores


def _grown(values: np.ndarray, more: int) -> np.ndarray:
    """``values`` with ``more`` zeros (False) after them."""
    return np.concatenate([values, np.zeros(more, values.dtype)])


def _lattice(proposals: Detections) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The proposals' ``group``, ``start`` and ``end`` (:func:`camdigit.core.finder.proposals`)."""
    return proposals.data["group"], proposals.data["start"], proposals.data["end"]
