"""Scoring digits and numbers against ground truth: per frame, per distinct video digit, per photo.

A detection matches a truth box when their IoU is at least 0.3, or when each box holds the other's
centre (a loose box around a thin 1 has a low IoU but is plainly the same digit). Matching is
one-to-one, best overlap first. A detection matched to a digit the frame's border cuts
(``Truth.partial``) counts neither way.

A video shows the same digit in many frames: :class:`VideoDigits` counts each distinct digit once.
It is read when the track that covers it (the one matched to it most often) carries the right
digit in at least :data:`VIDEO_READ_SHARE` of the frames it is whole on screen.

Grouping is measured apart from reading: a truth number is *readable* in a frame when each of
its digits was matched and read right; it is *grouped* when, besides, it was reported exactly
(its text, its box). In a video the same count over frames is the share of frames, among those
where all of a number's digits are read, in which the number's text is right.

Real photos have no boxes, only the digits of each text line and the numbers a person reads:
:func:`score_photo` compares them as multisets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from camdigit.core.detections import NO_TRACK, Detections, Number, iou_matrix

MATCH_IOU = 0.3

VIDEO_READ_SHARE = 0.9
"""A video digit is read when its track is right in at least this share of its frames."""


@dataclass(frozen=True)
class ErrorCase:
    """One failure, for the error gallery: where it is and what was expected and read."""

    kind: str  # "missed", "wrong", "false" (a digit) or "number" (a number not read exactly)
    frame: int
    box: tuple[int, int, int, int]  # x, y, w, h in the frame
    expected: str  # "" for a false digit
    read: str  # "" for a missed digit or number


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
    numbers_readable: int = 0  # numbers each of whose digits was found and read right
    numbers_grouped: int = 0  # ... and that were reported exactly: grouping apart from reading
    errors: list[ErrorCase] = field(default_factory=list, repr=False)

    def add(self, other: Score) -> None:
        for name in (
            "frames",
            "truth",
            "found",
            "read",
            "detections",
            "false",
            "numbers",
            "numbers_read",
            "numbers_readable",
            "numbers_grouped",
        ):
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

    @property
    def grouping_accuracy(self) -> float:
        """Numbers reported exactly among those whose every digit was read right."""
        return self.numbers_grouped / self.numbers_readable if self.numbers_readable else 1.0

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
            "grouping_accuracy": round(self.grouping_accuracy, 5),
            "numbers_readable": self.numbers_readable,
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
        (a[:, None, 0] <= cx[None])
        & (cx[None] <= a[:, None, 0] + a[:, None, 2])
        & (a[:, None, 1] <= cy[None])
        & (cy[None] <= a[:, None, 1] + a[:, None, 3])
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
            score.errors.append(ErrorCase("missed", frame, box, str(truth_labels[t]), ""))
            continue
        score.found += 1
        if detections.digits[d] == truth_labels[t]:
            score.read += 1
        else:
            score.errors.append(
                ErrorCase("wrong", frame, box, str(truth_labels[t]), str(detections.digits[d]))
            )
    for d in np.flatnonzero(~matched_any):
        score.false += 1
        box = tuple(int(v) for v in detections.boxes[d])
        score.errors.append(ErrorCase("false", frame, box, "", str(detections.digits[d])))
    score.numbers = len(truth_numbers)
    read_right = np.zeros(len(truth_boxes), bool)
    hit = matched >= 0
    read_right[hit] = detections.digits[matched[hit]] == truth_labels[hit]
    for text, box in truth_numbers:
        members = number_members(truth_boxes, truth_labels, truth_partial, text, box)
        readable = members is not None and bool(read_right[members].all())
        score.numbers_readable += int(readable)
        if any(n.text == text and _same_box(n.box, box) for n in numbers):
            score.numbers_read += 1
            score.numbers_grouped += int(readable)
            continue
        near = [n.text for n in numbers if _overlaps(n.box, box)]
        score.errors.append(ErrorCase("number", frame, box, text, " ".join(near)))
    return score


def number_members(
    truth_boxes: np.ndarray,
    truth_labels: np.ndarray,
    truth_partial: np.ndarray,
    text: str,
    box: tuple[int, int, int, int],
    max_candidates: int = 14,
) -> np.ndarray | None:
    """Indices of the truth digits that make up a truth number, or None when they cannot be told.

    Scenes give a number's text and box only: its digits are the whole ones inside the box whose
    labels spell the text and whose boxes together span exactly the number's box. A turned
    number's box may hold digits of a neighbour too; then the subsets are searched.
    """
    x, y, w, h = box
    b = truth_boxes.astype(np.int64)
    inside = np.flatnonzero(
        ~truth_partial
        & (b[:, 0] >= x)
        & (b[:, 1] >= y)
        & (b[:, 0] + b[:, 2] <= x + w)
        & (b[:, 1] + b[:, 3] <= y + h)
    )
    wanted = sorted(int(c) for c in text)
    if len(inside) < len(wanted) or len(inside) > max_candidates:
        return None
    found = None
    for subset in combinations(inside.tolist(), len(wanted)):
        sel = np.array(subset)
        if sorted(truth_labels[sel].tolist()) != wanted:
            continue
        span = (
            b[sel, 0].min(),
            b[sel, 1].min(),
            (b[sel, 0] + b[sel, 2]).max(),
            (b[sel, 1] + b[sel, 3]).max(),
        )
        if span != (x, y, x + w, y + h):
            continue
        if found is not None:
            return None  # two ways to make it: ambiguous, not counted
        found = sel
    return found


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _same_box(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    one = np.array([a], np.float64)
    two = np.array([b], np.float64)
    return bool(iou_matrix(one, two)[0, 0] >= 0.5)


@dataclass
class VideoDigits:
    """Distinct digits of videos: each counted once, however many frames show it."""

    distinct: int = 0  # digits whole on screen in at least one frame
    found: int = 0  # ... matched by some detection in at least half of those frames
    read: int = 0  # ... whose covering track is right in VIDEO_READ_SHARE of those frames
    errors: list[ErrorCase] = field(default_factory=list, repr=False)

    def add(self, other: VideoDigits) -> None:
        self.distinct += other.distinct
        self.found += other.found
        self.read += other.read
        self.errors.extend(other.errors)

    @property
    def read_accuracy(self) -> float:
        return self.read / self.distinct if self.distinct else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.distinct if self.distinct else 1.0

    def as_dict(self) -> dict:
        return {
            "distinct_digits": self.distinct,
            "distinct_read": round(self.read_accuracy, 5),
            "distinct_found": round(self.recall, 5),
        }


def score_video_digits(
    detections: list[Detections],
    truth_boxes: list[np.ndarray],
    truth_labels: list[np.ndarray],
    truth_partial: list[np.ndarray],
    truth_ids: list[np.ndarray],
) -> VideoDigits:
    """Score each distinct digit of one video (``truth_ids`` name a digit across frames)."""
    # per digit id: [(frame, track, digit read or -1, box)] over the frames it is whole on screen
    seen: dict[int, list[tuple[int, int, int, tuple[int, int, int, int]]]] = {}
    labels: dict[int, int] = {}
    for frame, (found, boxes, digits, partial, ids) in enumerate(
        zip(detections, truth_boxes, truth_labels, truth_partial, truth_ids, strict=True)
    ):
        matched = match(found.boxes, boxes)
        for t in np.flatnonzero(~partial):
            d = matched[t]
            key = int(ids[t])
            labels[key] = int(digits[t])
            box = tuple(int(v) for v in boxes[t])
            if d < 0:
                seen.setdefault(key, []).append((frame, NO_TRACK, -1, box))
            else:
                track = int(found.tracks[d])
                # an untracked detection stands for itself: give it a track of its own
                track = track if track != NO_TRACK else -2 - frame
                seen.setdefault(key, []).append((frame, track, int(found.digits[d]), box))
    score = VideoDigits()
    for key, rows in seen.items():
        label = labels[key]
        score.distinct += 1
        hits = [r for r in rows if r[2] >= 0]
        if 2 * len(hits) >= len(rows):
            score.found += 1
        tracks = Counter(r[1] for r in hits)
        right = 0
        if tracks:
            covering = tracks.most_common(1)[0][0]
            right = sum(1 for r in hits if r[1] == covering and r[2] == label)
        if right >= VIDEO_READ_SHARE * len(rows):
            score.read += 1
            continue
        # show the frame in the middle of the digit's time on screen, as the gallery's example
        frame, _, digit, box = rows[len(rows) // 2]
        wrong = Counter(r[2] for r in hits if r[2] != label)
        read = "" if not hits else (str(wrong.most_common(1)[0][0]) if wrong else str(label))
        score.errors.append(
            ErrorCase(
                "video digit", frame, box, str(label), f"{read} ({right}/{len(rows)} frames right)"
            )
        )
    return score


@dataclass
class PhotoScore:
    """Real photos scored as multisets: digits per photo, and the numbers a person reads."""

    photos: int = 0
    truth: int = 0  # digits on the photos
    reported: int = 0  # digits camdigit reported
    read: int = 0  # multiset intersection per photo, digit by digit value
    numbers: int = 0
    numbers_read: int = 0  # numbers whose text was read exactly (multiset per photo)

    def add(self, other: PhotoScore) -> None:
        for name in ("photos", "truth", "reported", "read", "numbers", "numbers_read"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def read_accuracy(self) -> float:
        return self.read / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return self.read / self.reported if self.reported else 1.0

    @property
    def number_accuracy(self) -> float:
        return self.numbers_read / self.numbers if self.numbers else 1.0

    def as_dict(self) -> dict:
        return {
            "photos": self.photos,
            "digits": self.truth,
            "reported": self.reported,
            "read_accuracy": round(self.read_accuracy, 5),
            "precision": round(self.precision, 5),
            "numbers": self.numbers,
            "number_accuracy": round(self.number_accuracy, 5),
        }


def score_photo(
    read_digits: list[int], read_numbers: list[str], lines: list[str], numbers: list[str]
) -> PhotoScore:
    """One photo: the digits of its ``lines`` and its ``numbers`` against what was read."""
    truth = Counter("".join(lines))
    reported = Counter(str(d) for d in read_digits)
    wanted = Counter(numbers)
    got = Counter(read_numbers)
    return PhotoScore(
        photos=1,
        truth=sum(truth.values()),
        reported=sum(reported.values()),
        read=sum((truth & reported).values()),
        numbers=sum(wanted.values()),
        numbers_read=sum((wanted & got).values()),
    )
