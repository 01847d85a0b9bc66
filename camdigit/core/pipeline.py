"""One frame in, digits and numbers out: find, normalize, classify (batched), track, group.

:class:`Recognizer` is the per-frame pipeline every front end shares (``camdigit run``, the demo,
the benchmark, the web app). It draws nothing and writes nothing: its :class:`FrameResult` is
plain data.
"""

from __future__ import annotations

import time
from functools import partial

import cv2
import numpy as np

from camdigit.core.classifier import Classification, DigitClassifier
from camdigit.core.detections import Detections, FrameResult
from camdigit.core.faint_rest import read_rests
from camdigit.core.finder import DigitFinder, to_gray
from camdigit.core.first_look import FirstLook, grown_rows
from camdigit.core.form_fields import NO_FIELD
from camdigit.core.frame_margin import read_framed
from camdigit.core.framed_video import FramedLooks
from camdigit.core.look_scales import both_readings, look_scales, small_writing
from camdigit.core.motion_blur import Smear, unsmeared
from camdigit.core.numbers import group_numbers
from camdigit.core.page_turns import read_turned
from camdigit.core.piece_proposals import doubted_pieces, narrow_cuts_kept, narrow_pieces
from camdigit.core.pixels import Shrunk
from camdigit.core.polarity_looks import VideoPolarity, read_polarities
from camdigit.core.preprocess import normalize_digits
from camdigit.core.proposals import (
    CLEAR_ROW,
    choose,
    contested,
    settled,
    unbeatable,
    unclear_cuts,
    uncut,
)
from camdigit.core.reported import passed_over, reported
from camdigit.core.rows import lone_rows
from camdigit.core.second_looks import confident, read_passed_upright, read_tilted, read_upright
from camdigit.core.slant import specks, stray_ones
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
        self.polarity = VideoPolarity()  # a video's polarity in doubt, as judged
        self.smear: Smear | None = None  # the video's last frame's motion smear, if measured
        self.framed = FramedLooks()  # a video's look with a margin, while the camera stands

    def reset(self) -> None:
        """Start afresh (a new video or image): no track, no judged polarity, no smear, no
        framed look carries over."""
        self.polarity.reset()
        self.framed.reset()
        self.smear = None
        if self.tracker is not None:
            self.tracker.reset()

    def propose(
        self,
        frame: np.ndarray,
        enlarged: bool = False,
        finder: DigitFinder | None = None,
        copy: Shrunk | None = None,
    ) -> Detections:
        """The finder's proposals for a frame (alternatives included; unread detections, see
        :func:`camdigit.core.finder.proposals`), boxes in the frame's own pixels, with the
        whole digits of a number running out of the frame's side (where a tracker follows a
        moving camera, they only continue tracks: :meth:`DigitTracker.update`); ``enlarged``:
        in the frame looked at larger (a still whose writing is small,
        :mod:`camdigit.core.look_scales`); ``finder``: the other polarity's
        (:mod:`camdigit.core.polarity_looks`); ``copy``: the frame's shrunk grey."""
        finder, gray = finder or self.finder, to_gray(frame)
        factor = look_scales(gray.shape, self.max_side)[1 if enlarged else 0]
        if factor == 1.0:
            return finder.find(gray, copy)
        size = (max(1, round(gray.shape[1] * factor)), max(1, round(gray.shape[0] * factor)))
        shrink = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_CUBIC
        found = finder.find(cv2.resize(gray, size, interpolation=shrink))
        return found.scaled(1.0 / factor, gray.shape[1], gray.shape[0])

    def find(self, frame: np.ndarray) -> Detections:
        """The digit candidates of a frame, one box each, boxes in the frame's own pixels: where
        the finder proposed alternatives (a blob whole or cut, parts together or apart), the
        model reads them and the likeliest is kept. For callers that want crops of digits
        (collecting, explaining); :meth:`process` reads and judges them all at once."""
        proposals = self.propose(frame)
        if not (contested(proposals.data["group"]).any() or proposals.data["cuttable"].any()):
            return proposals
        proposals, look, scores = self._read(proposals, np.ones(len(proposals), bool), {})
        return proposals[choose(*_lattice(proposals), scores, look.digits)]

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
    ) -> tuple[Detections, FirstLook, np.ndarray]:
        """Read the proposals that ``needs`` says, in at most two batched calls: plain ones and
        blobs whole first, then the pieces of the blobs whose whole reading a cut could beat
        (:func:`camdigit.core.piece_proposals.doubted_pieces`, made only then and added to
        their blobs' groups).
        Returns the proposals with those pieces, their readings, and each one's score for
        :func:`camdigit.core.proposals.choose` (very low where unread). ``timings`` gets the
        milliseconds of "preprocess" and "classify"."""
        timings["preprocess"] = timings["classify"] = 0.0
        look = FirstLook.unread(len(proposals))
        group, start, end = _lattice(proposals)
        whole = uncut(start, end)
        self._read_batch(proposals, needs & (~contested(group) | whole), timings, look)
        writing = look.writing(proposals.boxes, needs)
        scores = look.scores(proposals, writing)
        # the second look: pieces of blobs whose whole is in doubt, cut now where not yet cut
        doubt = whole & look.read & (scores <= unbeatable())
        sure = whole & look.read & ~doubt
        rows = self.finder.config.rows_height
        known = sure | whole & ~needs  # digits read sure, and those steady tracks follow
        pieces = doubted_pieces(proposals, doubt, known, look, writing, rows, self.min_digit)
        if len(pieces):
            more = len(pieces)
            proposals = Detections.concat(proposals, pieces)
            needs = np.concatenate([needs, np.ones(more, bool)])  # the pieces are read
            sure = grown_rows(sure, more)
            look = look.grown(more)
            group = proposals.data["group"]
        batch = needs & contested(group) & ~look.read & ~np.isin(group, group[sure])
        self._read_batch(proposals, batch, timings, look)
        if batch.any():
            # the pieces read as digits measure the writing too: where the frame's writing is
            # one number of touching digits, cut, the first look's digits are what stands
            # beside it (a cheque's "$" read as 5), and against them every piece is too tall;
            # a narrow blob's pieces do not (they stand beside digits read sure already, and
            # may yet be read whole)
            writing = look.writing(proposals.boxes, needs, narrow_pieces(proposals))
        return proposals, look, look.scores(proposals, writing)

    def _read_batch(
        self, proposals: Detections, batch: np.ndarray, timings: dict[str, float], look: FirstLook
    ) -> None:
        """Classify the proposals ``batch`` marks in one call, into ``look``."""
        index = np.flatnonzero(batch)
        if len(index):
            crops = proposals.data["crops"]
            look.fill(index, self._classify([crops[i] for i in index], timings), self.min_digit)

    def process(
        self,
        frame: np.ndarray,
        source: str = "",
        index: int = 0,
        seconds: float = 0.0,
        still: bool = False,
        turns: bool = True,
    ) -> FrameResult:
        """Read one frame, its motion smear undone (:mod:`.motion_blur`); a ``still`` (a photo)
        read whole, untracked, again enlarged where its digits are small (:mod:`.look_scales`);
        with a margin where its writing crosses the border (:mod:`.frame_margin`; a video's
        frame while the camera stands still, :mod:`.framed_video`); ``turns``: a still taken
        sideways turned upright."""
        started = time.perf_counter()
        # once: the polarity, each look's ink, the enlarged look; a video's smear followed
        frame, smear = unsmeared(to_gray(frame), None if still else self.smear)
        self.smear = self.smear if still else smear
        smear_ms = (time.perf_counter() - started) * 1e3
        result = self._looks(frame, source, index, seconds, still)
        look = partial(self._looks, source=source, index=index, seconds=seconds, still=True)
        framed = read_framed if still else self.framed.read
        result = framed(look, frame, result, self.finder.config)
        if still and turns:  # a photo taken sideways, read turned upright (:mod:`.page_turns`)
            result = read_turned(look, frame, result, self.finder.config, self.propose)
        result.timings["find"] = result.timings.get("find", 0.0) + smear_ms
        return result

    def _looks(
        self, frame: np.ndarray, source: str, index: int, seconds: float, still: bool
    ) -> FrameResult:
        """:meth:`process` of the grey frame, its smear undone."""
        read = partial(self._process, frame, source, index, seconds, still)
        if not still:  # the polarity in doubt judged once, kept (:class:`VideoPolarity`)
            judge = partial(self._process, frame, source, index, seconds, True)
            return self.polarity.read(read, judge, self.finder, frame)
        result, finder = read_polarities(read, self.finder, frame)
        scales = look_scales(frame.shape, self.max_side)
        if not small_writing(result, scales, self.finder.config.min_height_px):
            return result
        again = self._process(frame, source, index, seconds, still, finder, enlarged=True)
        return both_readings(result, again)

    def _process(
        self,
        frame: np.ndarray,
        source: str,
        index: int,
        seconds: float,
        still: bool,
        finder: DigitFinder | None = None,
        copy: Shrunk | None = None,
        enlarged: bool = False,
    ) -> FrameResult:
        """:meth:`process`, the frame looked at once (see :meth:`propose`)."""
        timings: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            clock, before = time.perf_counter(), clock
            timings[stage] = (clock - before) * 1e3

        tracker = None if still else self.tracker
        proposals = self.propose(frame, enlarged, finder, copy)
        lap("find")
        # Proposals with alternatives (a blob whole or cut, parts together or apart) are read
        # unless a tracker settled them; a plain proposal unless its track is steady.
        group, start, end = _lattice(proposals)
        settled_path, needs_all = np.zeros(len(proposals), bool), np.ones(len(proposals), bool)
        if tracker is not None:
            steady = tracker.steady(proposals)
            settled_path = settled(group, start, end, steady)
            unsettled = contested(group) & ~np.isin(group, group[settled_path])
            needs_all = ~steady | unsettled
        proposals, look, scores = self._read(proposals, needs_all, timings)
        added = len(proposals) - len(settled_path)  # the pieces of blobs cut while reading
        settled_path = np.concatenate([settled_path, np.zeros(added, bool)])
        group, start, end = _lattice(proposals)
        keep = choose(group, start, end, scores, look.digits)
        keep = narrow_cuts_kept(proposals, keep, look.digits, look.confidences)
        # a group a tracker settled keeps its settled path
        keep = np.where(np.isin(group, group[settled_path]), settled_path, keep)

        classify = partial(self._classify, timings=timings)
        # a blob passed over or cut on a slanted line, read again upright (a 1 lying down)
        readings = look.read, look.digits, look.confidences, look.probabilities
        stood = read_passed_upright(proposals, keep, *readings, classify, self.min_digit, scores)
        found = proposals[keep]
        found_crops = found.data["crops"]
        digits, confidences, was_read = look.digits[keep], look.confidences[keep], look.read[keep]
        first = look.probabilities[keep]  # each digit's probabilities on its first look
        upright = stood[keep]
        upright |= read_upright(
            found, digits, confidences, was_read & ~upright, classify, self.min_digit
        )
        # a blob cut into pieces is read as digits only when every piece reads clearly
        unclear = unclear_cuts(found.data["group"], found.data["clear"], confidences, was_read)
        unclear |= lone_rows(found.boxes, found.data["group"], found.data["clear"] == CLEAR_ROW)
        confidences[unclear] = 0.0
        doubted = was_read & ~upright
        read_tilted(found_crops, doubted, first, digits, confidences, classify, self.conf)
        read_rests(found, digits, confidences, was_read, classify, self.min_digit)
        lap("choose")  # reading and choosing; _read timed its normalizing
        timings["classify"] = timings.pop("choose") - timings["preprocess"]
        if tracker is not None:
            late = {"preprocess": 0.0, "classify": 0.0}
            classify_late = partial(self._classify, timings=late)

            def read_found(needed: np.ndarray) -> Readings:
                """The readings of the chosen proposals: those read while choosing, and any
                other the tracker asks for read now (a doubtful one looked at tilted too)."""
                missing = needed & ~was_read
                if missing.any():
                    result = classify_late([found_crops[i] for i in np.flatnonzero(missing)])
                    digits[missing] = result.digits
                    confidences[missing] = confident(result, self.min_digit)
                    first[missing] = result.probabilities
                    was_read[missing] = True
                    read_tilted(
                        found_crops, missing, first, digits, confidences, classify_late, self.conf
                    )
                return Readings(digits, confidences, was_read)

            size = (frame.shape[1], frame.shape[0])
            detections = tracker.update(found, read=read_found, size=size)
            for stage, ms in late.items():
                timings[stage] += ms
                clock += ms / 1e3  # counted above, not as tracking
        else:
            detections = found.replace(digits=digits, confidences=confidences)
        # reported: the read digits, the proposals' crops and lattice dropped (not copied first)
        read_digits = Detections(
            detections.boxes, detections.digits, detections.confidences, detections.tracks
        )
        passed = proposals.boxes[passed_over(group, start, end, keep)]  # a word's letters
        kept = reported(found, detections.digits, detections.confidences, self.conf, passed)
        detections = read_digits[kept]
        in_box = found.data["field"][kept]  # the printed box each digit is written in, if any
        alone = ~(stray_ones(detections.boxes, detections.digits) | specks(detections.boxes))
        detections, in_box = detections[alone], in_box[alone]
        if tracker is not None:  # digits missed for a frame or two stay on screen
            held = tracker.held(detections, frame.shape[1], frame.shape[0])
            held = held[held.confidences >= self.conf]
            if len(held):
                detections = Detections.concat(detections, held)
                in_box = np.concatenate([in_box, np.full(len(held), NO_FIELD, np.int64)])
        history = None if tracker is None else tracker.numbers
        numbers = group_numbers(detections, history, in_box)
        lap("track")
        # classified: every crop the model read, chosen or not
        classified = int(look.read.sum()) + int(was_read.sum() - look.read[keep].sum())
        return FrameResult(source, index, seconds, detections, numbers, timings, classified, still)


def _lattice(proposals: Detections) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The proposals' ``group``, ``start`` and ``end`` (:func:`camdigit.core.finder.proposals`)."""
    return proposals.data["group"], proposals.data["start"], proposals.data["end"]
