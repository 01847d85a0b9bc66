"""Plain data passed between the stages: found digits, read digits, numbers, one frame's result.

Boxes are ``x, y, w, h`` integers in the input frame's pixels everywhere. Arrays are parallel:
row ``i`` of every field describes the same digit, so filtering is one boolean mask
(``detections[detections.confidences >= 0.5]``) and a frame with no digits needs no special case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

NO_TRACK = -1
"""Track id of a detection that is not tracked (a still image)."""


def _check_boxes(boxes: np.ndarray) -> None:
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"boxes must be a 2-D array of shape (N, 4), got shape {boxes.shape}")


UNREAD = -1
"""Digit of a detection the model has not read (yet): a finder's proposal."""

Index = int | slice | np.ndarray | list[int]
"""What selects rows: an int, a slice, a boolean mask or integer indices."""


class Detections:
    """Digits of one frame as parallel arrays of length N: row ``i`` of every field, and of every
    entry of ``data``, describes the same digit.

    One type from the finder to the output: the finder's proposals are detections not yet read
    (``digits`` :data:`UNREAD`, their crops and proposal lattice in ``data``), the pipeline fills
    in what the model read, the tracker gives them ``tracks``. ``data`` holds per-row extras by
    name (numpy arrays, or lists such as the crops, which differ in size): indexing selects the
    same rows of them.
    """

    __slots__ = ("boxes", "digits", "confidences", "tracks", "data")

    def __init__(
        self,
        boxes: np.ndarray,
        digits: np.ndarray | None = None,
        confidences: np.ndarray | None = None,
        tracks: np.ndarray | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        _check_boxes(boxes)
        n = len(boxes)
        self.boxes: np.ndarray = boxes  # (N, 4) int32 x, y, w, h
        # (N,) int64, UNREAD where the model has not read the row
        self.digits: np.ndarray = np.full(n, UNREAD, np.int64) if digits is None else digits
        # (N,) float32 in [0, 1]; 0 where unread
        self.confidences: np.ndarray = (
            np.zeros(n, np.float32) if confidences is None else confidences
        )
        # (N,) int64, NO_TRACK where not tracked
        self.tracks: np.ndarray = np.full(n, NO_TRACK, np.int64) if tracks is None else tracks
        self.data: dict[str, Any] = dict(data or {})
        for name in ("digits", "confidences", "tracks"):
            value = getattr(self, name)
            if value.shape != (n,):
                raise ValueError(f"{name} must have shape ({n},) like boxes, got {value.shape}")
        for key, value in self.data.items():
            if len(value) != n:
                raise ValueError(f"data[{key!r}] has {len(value)} rows, boxes {n}")

    @classmethod
    def empty(cls) -> Detections:
        return cls(np.zeros((0, 4), np.int32))

    def __len__(self) -> int:
        return len(self.boxes)

    def __repr__(self) -> str:
        return f"Detections({len(self)} rows, data: {sorted(self.data)})"

    def __getitem__(self, index: Index) -> Detections:
        """The rows ``index`` selects (an int gives a Detections of one row)."""
        rows = np.arange(len(self))[index]
        rows = np.atleast_1d(rows)
        return Detections(
            self.boxes[rows],
            self.digits[rows],
            self.confidences[rows],
            self.tracks[rows],
            {key: _take(value, rows) for key, value in self.data.items()},
        )

    def replace(self, **fields: np.ndarray) -> Detections:
        """A copy with some fields replaced (``boxes``, ``digits``, ``confidences``, ``tracks``)
        and the same ``data``."""
        current = {
            "boxes": self.boxes,
            "digits": self.digits,
            "confidences": self.confidences,
            "tracks": self.tracks,
        }
        unknown = set(fields) - set(current)
        if unknown:
            raise TypeError(f"Detections has no field {sorted(unknown)}")
        current.update(fields)
        return Detections(**current, data=self.data)

    def with_data(self, **extras: Any) -> Detections:
        """A copy with per-row extras added or replaced."""
        return Detections(
            self.boxes, self.digits, self.confidences, self.tracks, {**self.data, **extras}
        )

    @classmethod
    def concat(cls, *parts: Detections) -> Detections:
        """The rows of ``parts`` one after another; their ``data`` must have the same keys."""
        if not parts:
            return cls.empty()
        keys = set(parts[0].data)
        if any(set(p.data) != keys for p in parts):
            raise ValueError("detections to concatenate must carry the same data keys")
        data: dict[str, Any] = {}
        for key in keys:
            values = [p.data[key] for p in parts]
            if isinstance(values[0], list):
                data[key] = [row for value in values for row in value]
            else:
                data[key] = np.concatenate(values)
        return cls(
            np.concatenate([p.boxes for p in parts]).astype(parts[0].boxes.dtype),
            np.concatenate([p.digits for p in parts]),
            np.concatenate([p.confidences for p in parts]),
            np.concatenate([p.tracks for p in parts]),
            data,
        )

    def scaled(self, factor: float, width: int, height: int) -> Detections:
        """The same detections in a frame ``factor`` times larger, of ``width`` x ``height``."""
        return self.replace(boxes=clip_boxes(scale_boxes(self.boxes, factor), width, height))


def _take(value: np.ndarray | list, rows: np.ndarray) -> np.ndarray | list:
    if isinstance(value, np.ndarray):
        return value[rows]
    return [value[i] for i in rows.tolist()]


@dataclass(frozen=True)
class Number:
    """Digits side by side on one line, read as one number ("2026")."""

    text: str
    box: tuple[int, int, int, int]
    members: tuple[int, ...]  # indices into the frame's Detections, along the line
    line: int = -1  # index of its text line in reading order (-1: not known)
    id: int | None = None  # stays the same while it is the same number (video); None: a photo


@dataclass
class FrameResult:
    """Everything camdigit read in one frame, and how long each stage took (milliseconds)."""

    source: str
    frame: int
    time: float
    detections: Detections
    numbers: list[Number]
    timings: dict[str, float] = field(default_factory=dict)
    classified: int = 0  # crops sent to the model this frame (tracking lets some skip it)
    still: bool = False  # a photo, read on its own
    live: bool = False  # from a camera or stream

    def to_json(self) -> dict:
        """The ``--json`` record of this frame (one line of JSON Lines).

        Each detection's ``line`` is the index (in reading order) of the text line it stands on,
        as its number's; null when it is in no number.
        """
        d = self.detections
        line_of = {m: n.line for n in self.numbers for m in n.members if n.line >= 0}
        return {
            "source": self.source,
            "frame": self.frame,
            "time": round(float(self.time), 4),
            "detections": [
                {
                    "box": [int(v) for v in d.boxes[i]],
                    "digit": int(d.digits[i]),
                    "confidence": round(float(d.confidences[i]), 4),
                    "track": None if d.tracks[i] == NO_TRACK else int(d.tracks[i]),
                    "line": line_of.get(i),
                }
                for i in range(len(d))
            ],
            "numbers": [
                {
                    "text": n.text,
                    "box": [int(v) for v in n.box],
                    "line": n.line if n.line >= 0 else None,
                    "id": n.id,
                }
                for n in self.numbers
            ],
        }


def scale_boxes(boxes: np.ndarray, factor: float) -> np.ndarray:
    """Scale x, y, w, h boxes by ``factor``, rounding outward so the ink stays inside."""
    if factor == 1.0:
        return boxes
    x0 = np.floor(boxes[:, 0] * factor)
    y0 = np.floor(boxes[:, 1] * factor)
    x1 = np.ceil((boxes[:, 0] + boxes[:, 2]) * factor)
    y1 = np.ceil((boxes[:, 1] + boxes[:, 3]) * factor)
    return np.stack([x0, y0, x1 - x0, y1 - y0], axis=1).astype(np.int32)


def clip_boxes(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """Boxes cut to the frame (scaling rounds outward, and may step a pixel past its edge)."""
    x0 = np.clip(boxes[:, 0], 0, width)
    y0 = np.clip(boxes[:, 1], 0, height)
    x1 = np.clip(boxes[:, 0] + boxes[:, 2], 0, width)
    y1 = np.clip(boxes[:, 1] + boxes[:, 3], 0, height)
    return np.stack([x0, y0, x1 - x0, y1 - y0], axis=1).astype(np.int32)


def inside_frame(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """(N,) bool: the boxes clear of the ``width`` x ``height`` frame's border on every side
    (a box touching it may hold a digit the border cuts)."""
    x, y, w, h = boxes.T
    return (x > 0) & (y > 0) & (x + w < width) & (y + h < height)


def intersections(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M) float64: the area every box in ``a`` (N, 4) shares with every box in ``b``."""
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    ax1, ay1 = a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx1, by1 = b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.minimum(ax1[:, None], bx1[None]) - np.maximum(a[:, None, 0], b[None, :, 0])
    ih = np.minimum(ay1[:, None], by1[None]) - np.maximum(a[:, None, 1], b[None, :, 1])
    return np.clip(iw, 0, None) * np.clip(ih, 0, None)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box in ``a`` (N, 4) with every box in ``b`` (M, 4)."""
    inter = intersections(a, b)
    area_a, area_b = (c[:, 2].astype(np.float64) * c[:, 3] for c in (a, b))
    union = area_a[:, None] + area_b[None] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
