"""Alternatives for the same ink, proposed together for the model to choose among
(:func:`camdigit.core.proposals.choose`): two parts side by side apart or together, a wide
blob's pieces between its likely cuts, a tall column's rows. :class:`Proposals` collects a
frame's proposals as they are made, each group a small lattice of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from camdigit.core.crops import Ground, cut_crop, ink_contrast, paper_at, paper_levels
from camdigit.core.cuts import cut_pieces
from camdigit.core.detections import Detections
from camdigit.core.digit_band import clear_band
from camdigit.core.proposals import CLEAR_PIECE, END, ROWS, proposals
from camdigit.core.rows import ROW_SLOTS, bands, row_nodes
from camdigit.core.segmentation import group_boxes

if TYPE_CHECKING:
    from camdigit.core.finder import FinderConfig

PIECES_PER_WIDTH = 2.0
"""Pieces a blob wider than a digit gives per digit height of its width, about (its cut paths
lie a quarter of its height apart at least, and a piece spans up to a height): what a
``cuttable`` blob costs in a frame's budget of proposals before its pieces are made."""

ROW_RUN = 2.0
"""A run of a column's bands proposed as one digit is at most this many of the frame's typical
digit heights tall (a digit with a floating part; two rows' digits together are more)."""


@dataclass(frozen=True)
class FrameInk:
    """What one frame's proposals are cut from, measured once per frame."""

    gray: np.ndarray  # the frame in grey, ink dark
    mask: np.ndarray  # the ink, lines erased
    grown: np.ndarray  # the ink with the soft edge of every stroke
    marked: np.ndarray  # all the ink, lines too: what is not ground
    paper: np.ndarray  # the paper's level, per cell of ``step`` pixels
    step: int
    contours: list  # the outer contour of every blob
    boxes: np.ndarray  # (M, 4) each blob's box
    cfg: FinderConfig

    def ground(self, box, level: float) -> Ground:
        """How far the ink in ``box`` stands out of its ground's grain, and that grain
        (:func:`camdigit.core.crops.ink_contrast`), on the band around it."""
        grow = round(self.cfg.ring * int(box[3]))
        contrast, grain, _ = ink_contrast(self.gray, self.grown, self.marked, box, grow, level)
        return Ground(contrast, grain)

    def crop(self, box, members: np.ndarray | None, level: float) -> tuple[np.ndarray, int]:
        """The crop of ``box`` and its ink area; with ``members`` (blob indices), only their
        ink (a neighbour's stroke in the box is blanked); ``level``: the paper at its centre."""
        own = None if members is None else [self.contours[i] for i in members]
        return cut_crop(self.gray, self.mask, self.grown, box, own, self.paper, self.step, level)

    def clear_around(self, box, members: np.ndarray) -> bool:
        """Whether the band around ``box`` is clear enough for writing on a ground
        (:func:`camdigit.core.digit_band.clear_band`); ``members``: the candidate's own blobs."""
        cfg = self.cfg
        return clear_band(
            self.mask, self.contours, self.boxes, box, members, cfg.ring, cfg.max_ring_ink
        )

    def candidate(self, box, members: np.ndarray, own: bool) -> tuple[np.ndarray, Ground] | None:
        """The crop and ground (:meth:`ground`) of a digit candidate made of blobs ``members``,
        or None where it fails the loose bounds: one stroke spanning at least half of the digit
        (specks of a wall gathered by merging are no digit; a 5's floating bar or a cut stroke
        is), a nearly clean band around it (handwriting sits on a ground: a neighbour's edge at
        most; noise and texture crowd it), ink that stands out of its ground's grain (several
        of the ground's own standard deviations below its level: on paper any ink; on a wall,
        wood or fabric, not the texture's own dark spots), ink along at least the digit's
        height (a 1 px stroke is kept), and not a solid blot. ``own``: cut along the members'
        own contours (another blob reaches into the box)."""
        cfg = self.cfg
        bw, bh = int(box[2]), int(box[3])
        level = paper_at(self.paper, self.step, box)
        if not (
            self.boxes[members, 2:].max() >= cfg.main_part * max(bw, bh)
            and self.clear_around(box, members)
            and (ground := self.ground(box, level)).contrast >= cfg.min_contrast
        ):
            return None
        crop, ink_area = self.crop(box, members if own else None, level)
        if ink_area < bh or (ink_area > cfg.max_fill * bw * bh and bw > bh / 2):
            return None
        return crop, ground


class Proposals:
    """Proposals as they are made: parallel lists, a group counter."""

    def __init__(self) -> None:
        self.boxes: list = []
        self.crops: list[np.ndarray] = []
        self.group: list[int] = []
        self.nodes: list[tuple[int, int]] = []
        self.contrast: list[float] = []
        self.grain: list[float] = []
        self.cuttable: list[bool] = []
        self.clear: list[float] = []
        self.costs: list[int] = []
        self.cost = 0  # the proposals' count, with the pieces cuttable blobs will make
        self.groups = 0

    def add(
        self,
        box,
        crop: np.ndarray,
        ground: Ground,
        start: int = 0,
        end: int = END,
        cuttable: bool = False,
        clear: float = 0.0,
    ) -> None:
        self.boxes.append(box)
        self.crops.append(crop)
        self.contrast.append(ground.contrast)
        self.grain.append(ground.grain)
        self.group.append(self.groups)
        self.nodes.append((start, end))
        self.cuttable.append(cuttable)
        self.clear.append(clear)
        # a blob to be cut costs the pieces it would make
        cost = 1 + (round(PIECES_PER_WIDTH * int(box[2]) / max(int(box[3]), 1)) if cuttable else 0)
        self.costs.append(cost)
        self.cost += cost

    def _within(self, limit: int) -> int:
        """The first proposal beyond ``limit`` proposals' cost."""
        return int(np.searchsorted(np.cumsum(self.costs), limit, side="right"))

    def found(self, limit: int, paper: np.ndarray, step: int) -> Detections:
        """The proposals, whole groups only, at most ``limit`` of them (counting the pieces a
        ``cuttable`` blob will make, :data:`PIECES_PER_WIDTH`), as unread detections
        whose ``data`` holds each one's ``crops``, ``group``, lattice nodes ``start`` and ``end``,
        ink ``contrast`` and its ground's ``grain``, the ``level`` of the ``paper`` map (at
        1/``step``) under it and whether it is ``cuttable`` (see
        :func:`camdigit.core.proposals.proposals`)."""
        if self.cost > limit:
            last = self.group[self._within(limit)]  # the group cut by the limit goes whole
            count = self.group.index(last)
            del self.boxes[count:], self.crops[count:], self.group[count:], self.nodes[count:]
            del self.contrast[count:], self.grain[count:], self.cuttable[count:]
            del self.clear[count:]
            del self.costs[count:]
        if not self.boxes:
            return proposals(np.zeros((0, 4), np.int32), [])
        nodes = np.array(self.nodes, np.int64).reshape(-1, 2)
        boxes = np.array(self.boxes, np.int32).reshape(-1, 4)
        return proposals(
            boxes,
            self.crops,
            np.array(self.group, np.int64),
            nodes[:, 0],
            nodes[:, 1],
            np.array(self.contrast, np.float32),
            paper_levels(paper, step, boxes),
            np.array(self.cuttable, bool),
            np.array(self.clear, np.float32),
            grain=np.array(self.grain, np.float32),
        )


def add_pair(
    out: Proposals,
    ink: FrameInk,
    left: tuple[np.ndarray, Ground] | None,
    left_box,
    left_members: np.ndarray,
    right_box,
    right_members: np.ndarray,
    right_crowded: bool,
) -> None:
    """Two parts side by side (a thin pen's 4 whose stroke does not meet its corner, or two
    digits written close): each alone (nodes 0 -> 1 -> END) and together as one digit
    (0 -> END); the model's readings choose. Where a part alone fails the bounds, the
    other is proposed as it would be alone, in a group of its own."""
    right = ink.candidate(right_box, right_members, right_crowded)
    if left is None or right is None:
        added = False
        for made, box in ((left, left_box), (right, right_box)):
            if made is not None:
                out.groups += int(added)  # each part its own group
                out.add(box, made[0], made[1])
                added = True
        return
    out.add(left_box, left[0], left[1], 0, 1)
    out.add(right_box, right[0], right[1], 1, END)
    union = _union(left_box, right_box)
    together = ink.candidate(union, np.concatenate([left_members, right_members]), True)
    if together is not None:
        out.add(union, together[0], together[1], 0, END)


def add_flagged(
    out: Proposals,
    ink: FrameInk,
    made: tuple[np.ndarray, Ground],
    box,
    members: np.ndarray,
    bar_box,
    bar_members: np.ndarray,
) -> None:
    """A candidate (``made``: its crop and ground) with a bar above its top too thin to be
    read alone (a 5's flag drawn apart, less tall than the smallest digit): the candidate
    alone and with the bar, two readings of the same ink (both 0 -> END); the model's
    readings choose."""
    out.add(box, made[0], made[1])
    union = _union(box, bar_box)
    together = ink.candidate(union, np.concatenate([members, bar_members]), True)
    if together is not None:
        out.add(union, together[0], together[1])


def _union(a, b) -> list[int]:
    """The box (x, y, w, h) holding boxes ``a`` and ``b``."""
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return [x0, y0, x1 - x0, y1 - y0]


def add_cuts(out: Proposals, crop: np.ndarray, box, ground: Ground) -> None:
    """Propose a wide blob's pieces (:func:`cut_pieces`, along all its ink, rims too) in its
    group now: for a blob too wide to be proposed whole, whose pieces are all there is to read
    (along the strokes' cores, a cursive word's humps were cut into 1s and 7s: 1.0 more false
    digits per clutter page of seed 21)."""
    for piece_box, piece, start, end in cut_pieces(crop, box, cores=False):
        out.add(piece_box, piece, ground, start, end, clear=CLEAR_PIECE)


def add_rows(
    out: Proposals, ink: FrameInk, members: np.ndarray, min_h: int, typical: float
) -> None:
    """Propose a column of parts row by row: cut at every vertical gap between its parts
    into bands, every run of consecutive bands up to :data:`ROW_RUN` typical digit heights
    tall is a proposal (a digit with a floating bar is two bands, one proposal), each an
    edge of the group's lattice, so the model chooses how the column falls into rows. A band
    that holds parts side by side (two digits of a row, joined to the column by a stroke of the
    row above reaching down over both) is also proposed digit by digit, a chain of edges."""
    b = ink.boxes[members]
    column = bands(b)
    tops = [int(b[band, 1].min()) for band in column]
    ends = [int((b[band, 1] + b[band, 3]).max()) for band in column]
    tallest = ROW_RUN * max(typical, min_h)
    # a flat band at the column's foot, too short for a digit, is no row: the printed line
    # the digits stand on (a cheque's rule too short to be erased as a line); passed over
    foot = b[column[-1]]
    wide = int((foot[:, 0] + foot[:, 2]).max() - foot[:, 0].min())
    if len(column) > 1 and ends[-1] - tops[-1] < min(min_h, wide):
        column, tops, ends = column[:-1], tops[:-1], ends[:-1]
        side = members[column[0]]
        if len(column) == 1 and len(side) > 1 and ends[0] - tops[0] <= tallest:
            # one row stands on it: its parts, apart, from the group's one end to the other
            _add_side_by_side(out, ink, side, min_h, 0, ROWS - 2 * ROW_SLOTS, END)
    if len(column) < 2:
        return
    count = len(column)
    nodes = row_nodes(count)
    for i in range(count):
        for j in range(i + 1, count + 1):
            if (i, j) == (0, count):
                continue  # the whole column: proposed (or not) as such
            if ends[j - 1] - tops[i] > tallest:
                break
            side = members[np.concatenate(column[i:j])]
            made = _row_candidate(ink, side, min_h)
            if made is not None:
                out.add(made[0], made[1], made[2], nodes[i], nodes[j])
            if j == i + 1 and len(side) > 1:
                # intermediate nodes of this band only, above any cut's (a blob may be both)
                base = ROWS - (count + 1) * ROW_SLOTS if i == 0 else nodes[i]
                _add_side_by_side(out, ink, side, min_h, nodes[i], base, nodes[j])


def _row_candidate(ink: FrameInk, side: np.ndarray, min_h: int) -> tuple | None:
    """The box, crop and ground of the parts ``side`` proposed as one digit, or None where
    it is too short or too faint."""
    side_box = group_boxes(ink.boxes[side], np.zeros(len(side), np.int64))[0]
    if int(side_box[3]) < min_h:
        return None
    level = paper_at(ink.paper, ink.step, side_box)
    ground = ink.ground(side_box, level)
    if ground.contrast < ink.cfg.min_contrast:
        return None
    crop, _ = ink.crop(side_box, side, level)
    return side_box, crop, ground


def _add_side_by_side(
    out: Proposals, ink: FrameInk, side: np.ndarray, min_h: int, first: int, base: int, last: int
) -> None:
    """The parts of one band (``side``) that stand apart (no horizontal overlap), left to
    right, as a chain of edges from node ``first`` to ``last`` through ``base`` + 1, + 2..."""
    boxes = ink.boxes[side]
    order = np.argsort(boxes[:, 0], kind="stable")
    right = np.maximum.accumulate(boxes[order, 0] + boxes[order, 2])
    apart = (np.flatnonzero(boxes[order[1:], 0] >= right[:-1]) + 1).tolist()
    if not apart or len(apart) >= ROW_SLOTS - 1:
        return
    parts = np.split(order, apart)
    made = [m for part in parts if (m := _row_candidate(ink, side[part], min_h)) is not None]
    if len(made) < len(parts):
        return  # a digit of the row is too short or too faint: the band stays whole
    chain = [first, *(base + k for k in range(1, len(made))), last]
    for k, (box, crop, ground) in enumerate(made):
        out.add(box, crop, ground, chain[k], chain[k + 1])
