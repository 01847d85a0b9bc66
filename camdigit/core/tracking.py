"""Steady labels across frames: match digit boxes to tracks, vote each track's digit.

Tracks are matched by box overlap (IoU) regardless of the digit read, so a 1/7 flicker cannot
split a track, and a box far smaller or larger than its track's for a frame or two (a piece of
the digit found, a stroke lost to blur) does not reshape the track, so the whole digit after it
continues the track; each track then reports the digit with the highest summed confidence over its
last readings. A track whose readings agree is not re-read every frame: the model sees its crop
again only every ``recheck_every`` frames, or at once when its box changes size. A steady digit
the finder misses for a frame or two stays on screen at the place its motion predicts
(:meth:`DigitTracker.held`), so a live overlay does not flicker.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from camdigit.core.detections import NO_TRACK, Detections, clip_boxes, inside_frame, iou_matrix
from camdigit.core.number_history import NumberHistory


@dataclass
class Track:
    """One digit followed across frames."""

    id: int
    box: np.ndarray  # (4,) float64 x, y, w, h, last seen
    velocity: np.ndarray  # (2,) float64 pixels per frame, smoothed
    readings: deque[tuple[int, float]] = field(default_factory=deque)  # (digit, confidence)
    totals: np.ndarray = field(default_factory=lambda: np.zeros(10))  # confidence per digit
    streak: int = 0  # latest readings in a row that agree, each confident
    missed: int = 0  # frames since last matched
    since_read: int = 0  # frames since the model last read this track's crop
    read_box: np.ndarray | None = None  # box when last read
    jumped: int = 0  # frames in a row its box was another cut of it, so its own box was kept

    def add_reading(self, digit: int, confidence: float, steady_confidence: float) -> None:
        if self.readings.maxlen is not None and len(self.readings) == self.readings.maxlen:
            old_digit, old_confidence = self.readings[0]
            self.totals[old_digit] -= old_confidence
        last = self.readings[-1][0] if self.readings else None
        self.readings.append((digit, confidence))
        self.totals[digit] += confidence
        if confidence < steady_confidence:
            self.streak = 0
        else:
            self.streak = self.streak + 1 if digit == last else 1

    def vote(self) -> tuple[int, float]:
        """The digit with the highest summed confidence, and its mean confidence per reading."""
        digit = int(self.totals.argmax())
        return digit, float(min(1.0, max(0.0, self.totals[digit] / max(1, len(self.readings)))))

    def predicted_box(self, frames: int) -> np.ndarray:
        """Where its motion takes the box ``frames`` frames after it was last seen."""
        box = self.box.copy()
        box[:2] += self.velocity * frames
        return box


@dataclass(frozen=True)
class TrackerConfig:
    iou_threshold: float = 0.3  # a box continues a track when it overlaps its predicted box so
    max_missed: int = 8  # frames a track survives unseen (a hand passing over the page)
    max_out_of_view: int = 30  # ... and one last seen at the frame's border, gone out of view
    # (a hand-held camera swaying back brings it in again: a second at 30 FPS)
    votes: int = 7  # readings kept per track
    recheck_every: int = 6  # frames between readings of a steady track
    steady_readings: int = 3  # agreeing readings that make a track steady
    steady_confidence: float = 0.9  # ... each at least this confident
    resize_tolerance: float = 0.2  # a box whose size changed more than this is read again
    hold: int = 2  # frames a steady track unseen stays on screen (see DigitTracker.held)
    hold_in_view: float = 0.75  # ... while at least this share of its box is in the frame
    jump: float = 2.0  # a box this many times larger or smaller (area) than its track's is
    # another cut of the same digit (a stroke lost to blur, a piece read), not the digit's
    # motion: the track keeps its own box and velocity, so the whole digit in a later frame
    # still continues it...
    jump_frames: int = 3  # ... unless the new size lasts this many frames

    def __post_init__(self) -> None:
        if not 0 < self.iou_threshold <= 1:
            raise ValueError(f"iou_threshold must be in (0, 1], got {self.iou_threshold}")
        if self.votes < 1 or self.recheck_every < 1 or self.steady_readings < 1:
            raise ValueError("votes, recheck_every and steady_readings must be at least 1")
        if self.max_out_of_view < self.max_missed:
            raise ValueError("max_out_of_view must be at least max_missed")
        if not 0 <= self.hold <= self.max_missed:
            raise ValueError(f"hold must be between 0 and max_missed, got {self.hold}")
        if self.jump <= 1 or self.jump_frames < 0:
            raise ValueError("jump must be above 1 and jump_frames at least 0")


class Readings(NamedTuple):
    """What a :data:`Reader` returns, one row per box of the frame."""

    digits: np.ndarray  # (N,) int: the digit read (counts only where ``read``)
    confidences: np.ndarray  # (N,) float: its confidence, 0 for a crop judged not a digit
    read: np.ndarray  # (N,) bool: rows read this frame; at least those asked for


Reader = Callable[[np.ndarray], Readings]
"""Reads the rows a (N,) bool mask asks for. It may return readings of more rows than asked
(crops the caller read anyway, e.g. to choose among alternative proposals): the tracker records
every reading it gets."""


class DigitTracker:
    """Class-agnostic IoU tracker with per-track digit voting.

    Use per frame: ``update(detections, read=...)`` matches the frame's detections to tracks,
    asks ``read`` for the readings of the rows whose track is not steady, votes and returns the
    detections with the voted digits and track ids. :meth:`steady` asks, without changing
    anything, which rows would not need a reading (the pipeline uses it to keep a video's cut of
    touching digits without reading the alternatives again).
    """

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        self.tracks: list[Track] = []
        self._next_id = 1
        self.numbers = NumberHistory()  # the numbers these tracks make, kept steady
        self._shown: set[int] = set()  # tracks on screen in the last frame (see held)

    def reset(self) -> None:
        """Forget every track (a new video, a jump in the stream)."""
        self.tracks = []
        self._next_id = 1
        self.numbers.reset()
        self._shown = set()

    def steady(self, detections: Detections) -> np.ndarray:
        """(N,) bool: the detections that would continue a steady track this frame, whose crops
        :meth:`update` would not ask to read. Changes nothing."""
        return self._steady_rows(detections.boxes, self._match(detections.boxes))

    def _steady_rows(self, boxes: np.ndarray, matched: np.ndarray) -> np.ndarray:
        steady = np.zeros(len(boxes), bool)
        for i in np.flatnonzero(matched >= 0):
            steady[i] = self._steady(self.tracks[matched[i]], boxes[i])
        return steady

    def _match(self, boxes: np.ndarray) -> np.ndarray:
        """The index into ``self.tracks`` of each box's track; -1: a new digit."""
        n = len(boxes)
        matched = np.full(n, -1, np.int64)
        if n and self.tracks:
            # every track's predicted_box(1 + missed) at once: the frame being matched
            last = np.array([t.box for t in self.tracks])
            velocity = np.array([t.velocity for t in self.tracks])
            ahead = 1 + np.array([t.missed for t in self.tracks])
            predicted = last.copy()
            predicted[:, :2] += velocity * ahead[:, None]
            # against the box its motion predicts, or where it was last seen (a digit hidden by
            # a hand or lost to blur reappears where it was when the page did not move)
            squared = _squared_up(boxes)
            iou = np.maximum(
                iou_matrix(squared, _squared_up(predicted)),
                iou_matrix(squared, _squared_up(last)),
            )
            # Greedy by overlap: for a few dozen digits as good as optimal assignment, and simple.
            order = np.argsort(-iou, axis=None)
            # the pairs before the first one overlapping too little, as plain ints
            below = np.flatnonzero(iou.ravel()[order] < self.config.iou_threshold)
            order = order[: below[0] if len(below) else len(order)].tolist()
            used_box, used_track = [False] * n, [False] * len(self.tracks)
            for flat in order:
                i, j = divmod(flat, len(self.tracks))
                if used_box[i] or used_track[j]:
                    continue
                matched[i] = j
                used_box[i] = used_track[j] = True
        return matched

    def _steady(self, track: Track, box: np.ndarray) -> bool:
        cfg = self.config
        if track.since_read + 1 >= cfg.recheck_every or track.read_box is None:
            return False
        if track.missed > cfg.max_missed:  # back in view: read before its label is trusted
            return False
        if track.streak < cfg.steady_readings:
            return False
        old = track.read_box
        return abs(box[2] - old[2]) <= cfg.resize_tolerance * max(old[2], 1.0) and abs(
            box[3] - old[3]
        ) <= cfg.resize_tolerance * max(old[3], 1.0)

    def update(
        self, detections: Detections, read: Reader, size: tuple[int, int] | None = None
    ) -> Detections:
        """Record one frame: match the ``detections`` to tracks, have ``read`` read the crops of
        the rows whose track is new or not steady (a steady one is re-read every
        ``recheck_every`` frames, or when its box changes size), vote.

        With the frame's ``size`` (width, height), a track last seen at the frame's border (or
        whose motion has taken it there since) has gone out of view rather than been lost: it
        waits ``max_out_of_view`` frames, not ``max_missed``, for its digit to come back where
        it left (a hand-held camera swaying back), and is read again when it does; a reading
        that disagrees with its vote then starts a new track (another digit came into view).

        A row the finder cut from a number the frame's side cuts (``data["side"]``) continues a
        track, never starts one: its digit was seen whole before it went out of view (a track
        named by a cut's reading as it came into view would keep the wrong name). It is
        returned with no track (:data:`NO_TRACK`) and confidence 0.0 where it matches none.

        Returns the same rows (``data`` kept) with each track's voted digit and confidence
        (0 and 0.0 for a track never read) and track id.
        """
        boxes = detections.boxes
        side = detections.data.get("side", np.zeros(len(boxes), bool))
        matched = self._match(boxes)
        # a side's piece matching no track is not read: it starts none
        needed = ~self._steady_rows(boxes, matched) & ~(side & (matched < 0))
        digits, confidences, was_read = read(needed)
        if (needed & ~was_read).any():
            raise ValueError("the reader left out rows the tracker asked for")
        cfg = self.config
        n = len(boxes)
        ids = np.zeros(n, np.int64)
        voted = np.zeros(n, np.int64)
        voted_conf = np.zeros(n, np.float32)
        seen = np.zeros(len(self.tracks), bool)
        new_tracks = []
        for i in range(n):
            box = boxes[i].astype(np.float64)
            if matched[i] >= 0 and self._returned_as_another(
                self.tracks[matched[i]], bool(was_read[i]), int(digits[i])
            ):
                matched[i] = -1
            if matched[i] < 0 and side[i]:
                ids[i] = NO_TRACK  # a side's piece starts no track
                continue
            if matched[i] >= 0:
                track = self.tracks[matched[i]]
                seen[matched[i]] = True
                area, before = box[2] * box[3], track.box[2] * track.box[3]
                if (
                    track.missed == 0
                    and track.jumped < cfg.jump_frames
                    and max(area, before) > cfg.jump * max(1.0, min(area, before))
                ):
                    track.box = track.predicted_box(1)
                    track.jumped += 1
                else:
                    step = (box[:2] - track.box[:2]) / (1 + track.missed)
                    track.velocity = 0.5 * track.velocity + 0.5 * step
                    track.box = box
                    track.jumped = 0
                track.missed = 0
                track.since_read += 1
            else:
                track = Track(self._next_id, box, np.zeros(2), deque(maxlen=cfg.votes))
                self._next_id += 1
                new_tracks.append(track)
            if was_read[i]:
                track.add_reading(int(digits[i]), float(confidences[i]), cfg.steady_confidence)
                track.since_read = 0
                track.read_box = box.copy()
            ids[i] = track.id
            voted[i], voted_conf[i] = track.vote() if track.readings else (0, 0.0)
        survivors = []
        for track, was_seen in zip(self.tracks, seen, strict=True):
            if not was_seen:
                track.missed += 1
                # last seen at the border, or its motion has taken it there since
                gone = size is not None and (
                    _at_border(track.box, size)
                    or _at_border(track.predicted_box(track.missed), size)
                )
                if track.missed > (cfg.max_out_of_view if gone else cfg.max_missed):
                    continue
            survivors.append(track)
        self.tracks = survivors + new_tracks
        return detections.replace(digits=voted, confidences=voted_conf, tracks=ids)

    def _returned_as_another(self, track: Track, was_read: bool, digit: int) -> bool:
        """Whether a box matched to a track back in view after longer than ``max_missed``
        reads as another digit than the track's vote."""
        return (
            track.missed > self.config.max_missed
            and was_read
            and bool(track.readings)
            and digit != track.vote()[0]
        )

    def held(self, detections: Detections, width: int, height: int) -> Detections:
        """The steady tracks unseen in the frame just recorded (by :meth:`update`) for at most
        ``hold`` frames, at their predicted boxes with their voted digits: a digit the finder
        misses for a frame or two (motion blur, a thin stroke breaking up) stays on screen
        instead of flickering. Only tracks on screen in the frame before (reported, or held)
        are held, and only while at least ``hold_in_view`` of the box is in the ``width`` x
        ``height`` frame (a digit going out of view keeps its label while most of it is in
        view, as the finder drops a digit the border cuts), its box cut to the frame; not where
        it overlaps one of ``detections``, the digits reported in this frame. Call it once per
        frame: it records which tracks are on screen."""
        cfg = self.config
        shown, self._shown = self._shown, set(detections.tracks.tolist())
        rows = [
            t
            for t in self.tracks
            if 1 <= t.missed <= cfg.hold
            and t.streak >= cfg.steady_readings
            and t.readings
            and t.id in shown
        ]
        if not rows:
            return Detections.empty()
        # the frame just recorded is `missed` frames after each was last seen
        predicted = np.round([t.predicted_box(t.missed) for t in rows])
        boxes = clip_boxes(predicted, width, height)
        area = np.maximum(predicted[:, 2] * predicted[:, 3], 1.0)
        inside = boxes[:, 2] * boxes[:, 3] >= cfg.hold_in_view * area
        if len(detections):
            inside &= iou_matrix(boxes, detections.boxes).max(axis=1) == 0
        votes = [t.vote() for t in rows]
        held = Detections(
            boxes,
            np.array([v[0] for v in votes], np.int64),
            np.array([v[1] for v in votes], np.float32),
            np.array([t.id for t in rows], np.int64),
        )
        held = held[inside]
        self._shown.update(held.tracks.tolist())
        return held


BORDER = 2
"""A box this many pixels or fewer from the frame's edge is at its border (the finder keeps a
digit whose curve only grazes the border: its box may end a pixel or two short of it)."""


def _at_border(box: np.ndarray, size: tuple[int, int]) -> bool:
    """Whether ``box`` (x, y, w, h) reaches the border of a frame of ``size`` (width, height),
    or beyond it: the box grown by :data:`BORDER` is not inside the frame."""
    x, y, w, h = box
    grown = np.array([[x - BORDER, y - BORDER, w + 2 * BORDER, h + 2 * BORDER]])
    return not bool(inside_frame(grown, *size)[0])


def _squared_up(boxes: np.ndarray) -> np.ndarray:
    """Boxes widened about their centres to at least half their height (and heightened to half
    their width), for matching only: a thin pen's "1" is a few pixels wide, and a few pixels of
    hand shake would leave its box no overlap with the last one's, a new track every frame."""
    b = boxes.astype(np.float64)
    w = np.maximum(b[:, 2], 0.5 * b[:, 3])
    h = np.maximum(b[:, 3], 0.5 * b[:, 2])
    centre = b[:, :2] + 0.5 * b[:, 2:]
    return np.column_stack([centre[:, 0] - 0.5 * w, centre[:, 1] - 0.5 * h, w, h])
