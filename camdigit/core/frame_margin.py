"""A still's border set on paper: the digits it cuts read as if the page went on.

A camera held close to a number frames it tight: the outer digits touch the frame's border or
lose a sliver to it. In a video the next frames show them whole, so the finder drops what the
border cuts (:mod:`camdigit.core.frame_border`); a photo has no next frame. And ink touching
the border is measured badly: a marker digit filling a small frame touches two sides that meet,
as a desk in the frame's corner does, and the paper window is not widened for it
(:mod:`camdigit.core.ink`). So a still whose writing crosses its border near a digit it read,
or that read no digit but 1s, is read again with a margin around it, each side continued by
the paper along it (a desk along a side continues as desk; a digit covering most of a side
does not continue as ink). The digits that reading finds at the border, judged by the model
like any other, join the first reading where the border left them mostly whole and writing
the first reading saw anchors them (or they stand as tall as its digits), and so does a digit
filling the frame; the rest of the frame keeps its first reading. A video's frame is read so while
its camera stands still (:mod:`.framed_video`). ``python -m benchmarks.filled_frames``
measures it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from camdigit.core.border_writing import ground_levels, paper_levels, writing_at_border
from camdigit.core.detections import (
    NO_TRACK,
    Detections,
    FrameResult,
    clip_boxes,
    inside_frame,
    iou_matrix,
)
from camdigit.core.frame_border import GRAZE_DARK
from camdigit.core.number_history import carried_ids
from camdigit.core.numbers import group_numbers

if TYPE_CHECKING:
    from camdigit.core.finder import FinderConfig

RIM = 2
"""A box this close to a side touches it: the soft rim of a stroke the border cuts may fall
below the ink's level on the border's last pixels."""

NARROWEST = 0.6
"""A digit other than 1 is at least this share of the writing's width (the median of the
reading's digits other than 1 the sides leave whole): one the left or right side cut
narrower lost a good part of itself to the border, and its reading is a guess. Widths vary
more than heights (a 0 beside a 7), so only a cut past a third of a digit shows."""

SHORTEST = 0.75
"""A digit is at least this share of the writing's height (the median of the reading's digits
clear of the border, or that the top and bottom leave whole): the whole digits of the
frame-filling photos of ``python -m benchmarks.filled_frames`` are 0.84 to 1.2 times it, the
top or bottom cut off 0.7 and less."""

MARGIN_SHARE = 0.3
"""The margin's width, of the frame's shorter side. Writing that fills the frame may be a
marker's, its strokes up to a quarter of the frame wide: the paper window it needs, three
strokes wide, reaches past a stroke at the border by a third of the frame. A tenth read 30
such MNIST digits filling the frame 57% (marker) to 80%, a third 77-83% (``python -m
benchmarks.filled_frames --digits 30`` with this share set to each); the framed look is
shrunk to ``max_side`` like any frame."""

DIGIT_WIDE = 0.75
"""A digit filling the frame's height has strokes up to a quarter of it (a marker's), and the
paper window is three strokes wide: a frame narrower (a 1 cropped to its ink) is framed so."""

SAME_BOX = 0.6
"""In a video, a digit the framed look reads in much the box of a tracked digit (this share of
their union in common) is that digit: its track's reading, steady over frames, stands."""

NEAR = 1.0
"""A digit less than this share of its height from a side is near the border, and the frame
worth a second reading: the frame-filling photos' digits of ``benchmarks.filled_frames``, or
the pieces of them the first reading found, stand 0.53 of it and less from the border (a
throwaway script measured them)."""


def with_margin(gray: np.ndarray, margin: int) -> np.ndarray:
    """``gray`` with ``margin`` pixels added on every side, each side's band the level of the
    paper along that side (:func:`paper_levels`: not the ink of a digit filling the frame
    that covers most of a side), the corners the mean of the two sides."""
    height, width = gray.shape
    top, bottom, left, right = paper_levels(gray)
    out = np.empty((height + 2 * margin, width + 2 * margin), gray.dtype)
    out[margin : margin + height, margin : margin + width] = gray
    out[:margin, :] = top
    out[margin + height :, :] = bottom
    out[:, :margin] = left
    out[:, margin + width :] = right
    out[:margin, :margin] = (top + left) / 2
    out[:margin, margin + width :] = (top + right) / 2
    out[margin + height :, :margin] = (bottom + left) / 2
    out[margin + height :, margin + width :] = (bottom + right) / 2
    return out


def moved_back(result: FrameResult, margin: int, shape: tuple[int, ...]) -> FrameResult:
    """``result`` of a frame read with ``margin`` added (:func:`with_margin`), its digits'
    boxes moved back into the frame of ``shape`` and cut to it; a digit that lay in the margin
    (a box at its edge cut to nothing) is dropped with the numbers it was part of (their boxes
    are not looked at again)."""
    boxes = result.detections.boxes - np.array([margin, margin, 0, 0])
    moved = clip_boxes(boxes, shape[1], shape[0]).astype(result.detections.boxes.dtype)
    result = dataclasses.replace(result, detections=result.detections.replace(boxes=moved))
    keep = (moved[:, 2] > 0) & (moved[:, 3] > 0)
    if keep.all():
        return result
    rows = np.flatnonzero(keep)
    renumber = {int(old): new for new, old in enumerate(rows)}
    numbers = [
        dataclasses.replace(n, members=tuple(renumber[m] for m in n.members))
        for n in result.numbers
        if all(m in renumber for m in n.members)
    ]
    return dataclasses.replace(result, detections=result.detections[rows], numbers=numbers)


def margin_for(shape: tuple[int, ...], tall: bool = False) -> int:
    """The margin added around a still of ``shape``: :data:`MARGIN_SHARE` of its shorter
    side, or where it may be one ``tall`` digit, what makes it :data:`DIGIT_WIDE` as wide."""
    margin = max(8, int(MARGIN_SHARE * min(shape[:2])))
    return max(margin, int(DIGIT_WIDE * shape[0] - shape[1]) // 2) if tall else margin


def read_framed(
    look: Callable[[np.ndarray], FrameResult],
    gray: np.ndarray,
    first: FrameResult,
    cfg: FinderConfig,
) -> FrameResult:
    """A still ``gray`` read by ``look`` (``first``) and, where it is worth it
    (:func:`worth_framing`), again with a margin (:func:`framed_look`) for the digits at its
    border or filling it (:func:`with_border_digits`); with the time and the crops of both."""
    if not worth_framing(gray, first, cfg):
        return first
    framed = framed_look(look, gray, tall=not np.any(first.detections.digits != 1))
    return with_border_digits(spent(first, framed), framed, gray)


def worth_framing(gray: np.ndarray, first: FrameResult, cfg: FinderConfig) -> bool:
    """Whether a frame ``gray`` whose reading was ``first`` is worth reading with a margin:
    it read a digit near the border (:func:`near_border`) and writing crosses the border
    (:func:`writing_at_border`, ``cfg``'s ink contrast), or it read no digit but 1s (a digit
    filling the frame, its marker strokes too wide for the paper window the frame allows: no
    ink at all, or specks inside its strokes, which read as 1s as any sliver does). A page's
    edge on a desk, a wall's texture run out of the frame too, around pages whose digits stand
    far from the border: those frames are not read twice."""
    boxes = first.detections.boxes
    if not np.any(first.detections.digits != 1):
        return True
    if not near_border(boxes, gray.shape).any():
        return False
    depth = 2 * int(np.median(boxes[:, 3]))  # twice the writing's height
    return writing_at_border(gray, cfg.ink_ratio, cfg.ink_margin, depth)


def framed_look(
    look: Callable[[np.ndarray], FrameResult], gray: np.ndarray, tall: bool = False
) -> FrameResult:
    """``gray`` read by ``look`` with a margin (:func:`margin_for`, :func:`with_margin`),
    its digits moved back into the frame (:func:`moved_back`)."""
    margin = margin_for(gray.shape, tall)
    return moved_back(look(with_margin(gray, margin)), margin, gray.shape)


def spent(first: FrameResult, framed: FrameResult) -> FrameResult:
    """``first`` with the time and the crops of the ``framed`` look added."""
    for stage, ms in framed.timings.items():
        first.timings[stage] = first.timings.get(stage, 0.0) + ms
    first.classified += framed.classified
    return first


def near_border(boxes: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(N,) bool: the ``boxes`` (N, 4) of a frame of ``shape`` less than :data:`NEAR` of their
    height from a side: where a digit the border cut, or a piece of one, is read."""
    x, y, w, h = boxes.T
    height, width = shape[:2]
    gap = np.minimum(np.minimum(x, y), np.minimum(width - x - w, height - y - h))
    return gap < NEAR * h


def with_border_digits(
    first: FrameResult, framed: FrameResult, gray: np.ndarray, tracked: bool = False
) -> FrameResult:
    """A still's reading as taken (``first``) with the digits at its border, or filling the
    frame, that the reading with a margin (``framed``, :func:`moved_back`) found, in a frame
    ``gray``; its numbers grouped again where any was added. The first reading stands
    everywhere else: the margin moved the measures taken of the frame's size, and the framed
    look's reading of the rest is no better. A digit at the border is added when it is
    writing the first reading saw: on a digit the first read (cut, read wrong or as a piece:
    that reading goes; not one inside a larger box the first read, whose reading stands), or
    in a number with one that is; or when it fills the frame (:func:`filling`); or when it is
    no 1 and as tall as the first reading's digits (:func:`as_tall_as_writing`); and when the
    border left it mostly whole (:func:`mostly_whole`), a 1 the left or right side cuts only
    where the first read a 1 or the frame is cropped to it (:func:`cut_ones`: a slice the side
    cut off a curve, a 0's or a 6's, reads as a 1; a 1 only reaching the side shows its
    stroke's soft rim there; :func:`cropped_to`). What
    else the border cut alone (a wall's streak, a line running out of the frame as a 1 cut
    from a number does, a wall's specks smaller than the writing) is not. A ``tracked``
    reading (a video's) keeps the reading of a tracked digit the framed look reads in much its
    box (:data:`SAME_BOX`); a digit added on one it read takes its track, and the numbers keep
    their ids (:func:`carried_ids`)."""
    shape = gray.shape
    boxes, digits = framed.detections.boxes, framed.detections.digits
    read = first.detections.boxes[:, None, :].astype(np.float64)
    found = boxes[None, :, :].astype(np.float64)
    pieces = _holds(found, read)  # (first, framed): the first read a piece of it, or it
    larger = _holds(read, found) & ~pieces  # the first read more than it: a blob with it
    anchored = np.asarray((pieces | larger).any(axis=0), bool)
    for number in framed.numbers:
        members = list(number.members)
        anchored[members] = anchored[members].any()
    fills = filling(boxes, digits, gray)
    anchored |= fills
    anchored |= as_tall_as_writing(boxes, digits, first.detections)
    at_border = ~clear_of_border(boxes, shape) | fills
    added = anchored & at_border & mostly_whole(boxes, digits, shape) & ~larger.any(axis=0)
    # a 1 the side cuts is a slice of a curve unless the first reading read a 1 there
    read_one = ((pieces | larger) & (first.detections.digits == 1)[:, None]).any(axis=0)
    ones = (digits == 1) & ~cropped_to(boxes, shape)
    added &= ~(cut_ones(gray, boxes, ones, sides=2) & ~read_one)
    if tracked:  # a video's tracked digit, read over its frames, outweighs one framed look
        same = iou_matrix(first.detections.boxes, boxes) >= SAME_BOX
        added &= ~(same & (first.detections.tracks != NO_TRACK)[:, None]).any(axis=0)
    if not added.any():
        return first
    stays = np.flatnonzero(~pieces[:, added].any(axis=1))
    rows = np.flatnonzero(added)
    new = framed.detections[rows]
    new = new.replace(tracks=_inherited_tracks(first.detections, pieces[:, rows]))
    detections = Detections.concat(first.detections[stays], new)
    numbers = carried_ids(
        first.numbers, first.detections.tracks, group_numbers(detections), detections.tracks
    )
    return dataclasses.replace(first, detections=detections, numbers=numbers)


def as_tall_as_writing(boxes: np.ndarray, digits: np.ndarray, first: Detections) -> np.ndarray:
    """(N,) bool: which of the read ``digits`` in ``boxes`` stand as tall as the writing of the
    ``first`` reading (its digits' median height, within :data:`SHORTEST` of it either way),
    1s not counted: a number whose outer digits the border cut, where the first reading read
    other digits of that size (a camera closer to a page: a row along the top, cut, read by
    none of them). A wall's streak or a line running out of the frame reads as a 1, a slice a
    side cut off a curve too; a wall's pits and specks are smaller than the writing."""
    if not len(first.boxes):
        return np.zeros(len(boxes), bool)
    writing = float(np.median(first.boxes[:, 3]))
    heights = boxes[:, 3].astype(np.float64)
    return (digits != 1) & (heights >= SHORTEST * writing) & (SHORTEST * heights <= writing)


def _inherited_tracks(first: Detections, pieces: np.ndarray) -> np.ndarray:
    """The tracks of digits added from the framed look: each takes the track of the largest
    first-reading digit it holds (``pieces``: (first, added) bool), so a video's digit keeps
    its track when the framed look reads it whole; none where it holds no tracked digit."""
    tracked = pieces & (first.tracks != NO_TRACK)[:, None]
    if not tracked.any():
        return np.full(pieces.shape[1], NO_TRACK, np.int64)
    area = first.boxes[:, 2].astype(np.int64) * first.boxes[:, 3]
    best = np.where(tracked, area[:, None], -1).argmax(axis=0)
    return np.where(tracked.any(axis=0), first.tracks[best], NO_TRACK)


def filling(boxes: np.ndarray, digits: np.ndarray, gray: np.ndarray) -> np.ndarray:
    """(N,) bool: the read ``digits`` in ``boxes`` that fill the frame ``gray``: at least half
    as tall as it (a digit held close to the camera, which the first reading may miss whole),
    and a 1 only where no side cuts it (:func:`cut_ones`: a pole, a door's edge, a line
    running through the frame reads as one, but runs on past the border) or the frame is
    cropped to it (:func:`cropped_to`)."""
    tall = boxes[:, 3] >= gray.shape[0] / 2
    ones = tall & (digits == 1) & ~cropped_to(boxes, gray.shape)
    return tall & ~cut_ones(gray, boxes, ones, sides=4)  # only the marked ones can be cut


def cropped_to(boxes: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(N,) bool: the ``boxes`` that touch all four sides of a frame of ``shape`` (within
    :data:`RIM`): the frame is cropped to that mark (a folder's tight crop of one digit). A
    1 cropped so shows its stroke's core where the crop cut its ends, as a pole's or a door's
    edge running on past the border does; but a pole spans the frame one way only."""
    left, top, right, bottom = touched_sides(boxes, shape)
    return left & top & right & bottom


def touched_sides(
    boxes: np.ndarray, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(left, top, right, bottom), each (N,) bool: which of the ``boxes`` reach that side of a
    frame of ``shape`` (within :data:`RIM`)."""
    x, y, w, h = boxes.T
    height, width = shape[:2]
    return x <= RIM, y <= RIM, x + w >= width - RIM, y + h >= height - RIM


def clear_of_border(boxes: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(N,) bool: the ``boxes`` (N, 4) more than :data:`RIM` pixels from every side of a frame
    of ``shape``."""
    grown = boxes + np.array([-RIM, -RIM, 2 * RIM, 2 * RIM])
    return inside_frame(grown, shape[1], shape[0])


def mostly_whole(boxes: np.ndarray, digits: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(N,) bool: which of the read ``digits`` in ``boxes`` the border of a frame of ``shape``
    left mostly whole: still :data:`SHORTEST` of the writing's height (a sliver the side cut
    off a digit reads as a 1), and cut by the left or right side, a digit other than 1 still
    :data:`NARROWEST` of the writing's width. The writing is measured on the digits clear of
    the border, or failing those on the digits the top and bottom leave whole; where none is
    left whole to measure it by (a number filling the frame), every digit is."""
    w, h = boxes[:, 2].astype(np.float64), boxes[:, 3].astype(np.float64)
    clear = clear_of_border(boxes, shape)
    left, top, right, bottom = touched_sides(boxes, shape)
    sides, ends = left | right, top | bottom
    whole = np.ones(len(boxes), bool)
    tall = clear if clear.any() else ~ends
    if tall.any():
        whole &= clear | (h >= SHORTEST * float(np.median(h[tall])))
    broad = ~sides & (digits != 1)
    if broad.any():
        whole &= ~sides | (digits == 1) | (w >= NARROWEST * float(np.median(w[broad])))
    return whole


def cut_ones(gray: np.ndarray, boxes: np.ndarray, marked: np.ndarray, sides: int) -> np.ndarray:
    """(N,) bool: which of the ``marked`` ``boxes`` a side of ``gray`` cuts (the left and right
    sides with ``sides`` 2, all four with 4): their ink on that side darker than
    :data:`~camdigit.core.frame_border.GRAZE_DARK` of their stroke's depth below the ground
    along it. A stroke the border cuts is as dark there as inside; one ending at the border
    shows its soft rim."""
    out = np.zeros(len(boxes), bool)
    if not marked.any():
        return out
    top, bottom, left, right = ground_levels(gray)
    at_left, at_top, at_right, at_bottom = touched_sides(boxes, gray.shape)
    for k in np.flatnonzero(marked).tolist():
        x, y, w, h = (int(v) for v in boxes[k])
        inside = gray[y : y + h, x : x + w]
        edges = [(gray[y : y + h, 0], left)] if at_left[k] else []
        edges += [(gray[y : y + h, -1], right)] if at_right[k] else []
        if sides == 4:
            edges += [(gray[0, x : x + w], top)] if at_top[k] else []
            edges += [(gray[-1, x : x + w], bottom)] if at_bottom[k] else []
        for edge, level in edges:
            depth = level - float(inside.min())
            out[k] |= depth > 0 and level - float(edge.min()) > GRAZE_DARK * depth
    return out


def _holds(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """Whether each box of ``outer`` holds the centre of each box of ``inner`` (broadcast)."""
    cx, cy = inner[..., 0] + inner[..., 2] / 2, inner[..., 1] + inner[..., 3] / 2
    return (
        (outer[..., 0] <= cx)
        & (cx <= outer[..., 0] + outer[..., 2])
        & (outer[..., 1] <= cy)
        & (cy <= outer[..., 1] + outer[..., 3])
    )
