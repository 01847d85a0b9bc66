"""A number the frame's side cuts: the digits of it the side left whole, read.

A blob the frame's border cuts is no whole digit, and the finder proposes none of it. But a
number written tight (its digits touching) that runs out of the frame at its left or right
side is one such blob: the digits clear of the side are whole, only the one the side crosses
is not. Such a blob is cut between its digits as any wide blob is, and its pieces the side
does not cut are proposed, in its group: the piece at the side has no edge, and the lattice
ends at the cut nearest the side. A piece as slim as only a 1 is
(:data:`camdigit.core.proposals.NARROW`) is not proposed: beside a cut, the wall of a form's
comb the side cuts, or a stroke of anything, reads as a 1 as surely as a 1 does; nor is a
blob holding a printed cell (:data:`CELL`) cut so, nor one less than half the writing tall.

In a video they only continue tracks (:meth:`camdigit.core.tracking.DigitTracker.update`):
a camera moving on takes a number out of view past the side, digit by digit, and each digit
the side leaves whole keeps the track it had; one coming into view is read once it is whole,
as a cut's reading taken first would name its track.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import cv2
import numpy as np

from camdigit.core.cuts import cut_pieces
from camdigit.core.proposals import CLEAR_PIECE, END, NARROW

if TYPE_CHECKING:
    from camdigit.core.alternatives import FrameInk, Proposals

CELL = (0.75, 0.5)
"""A hole at least this share of the blob's ink height tall and this share of it wide is a
printed cell (a comb the side cuts whose cells are too few to be found as a comb)."""


def on_a_side(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """(N,) bool: ``boxes`` ((N, 4) x, y, w, h) touching the frame's left or right side and
    neither its top nor its bottom (a number runs out of the frame along its line; a blob cut
    at the top or the bottom is cut across all its digits)."""
    x, y, w, h = boxes.T
    sides = (x <= 0) | (x + w >= width)
    return sides & (y > 0) & (y + h < height)


def add_side_cut(
    out: Proposals,
    ink: FrameInk,
    box,
    members: np.ndarray,
    whole: Callable[[np.ndarray], np.ndarray],
) -> None:
    """Propose the pieces of a blob wider than a digit that the frame's side cuts (``box``,
    made of blobs ``members``) which the side does not cut (``whole``: (N,) bool per (N, 4)
    boxes, :func:`camdigit.core.frame_border.whole_in_frame`), as a group of ``out``; cut along
    the strokes' cores too where it may be a few digits (as a doubted blob is), along all its
    ink only where it is wider (a cursive word's humps)."""
    if out.cost >= ink.cfg.max_digits:
        return
    made = ink.candidate(box, members, True)
    if made is None:
        return
    crop, ground = made
    if holds_cell(crop < 255):
        return  # a form's comb the side cuts, its lines left whole: no number
    few = int(box[2]) <= ink.cfg.max_aspect * int(box[3])
    pieces = cut_pieces(crop, box, cores=few)
    if not pieces:
        return
    boxes = np.array([piece[0] for piece in pieces], np.int32).reshape(-1, 4)
    kept = whole(boxes) & (boxes[:, 2] >= NARROW * boxes[:, 3])
    whole_pieces = [piece for piece, keep in zip(pieces, kept.tolist(), strict=True) if keep]
    if not whole_pieces:
        return
    # the lattice ends where the side's piece begins: the cut nearest the side that a piece
    # the side left whole reaches (the ink beyond it is no digit of the frame's)
    nodes = [(start, end) for _, _, start, end in whole_pieces]
    if int(box[0]) <= 0:
        edge = min(start for start, _ in nodes)
        nodes = [(0 if start == edge else start, end) for start, end in nodes]
    if int(box[0]) + int(box[2]) >= ink.gray.shape[1]:
        edge = max(end for _, end in nodes)
        nodes = [(start, END if end == edge else end) for start, end in nodes]
    for (piece_box, piece, _, _), (start, end) in zip(whole_pieces, nodes, strict=True):
        out.add(piece_box, piece, ground, start, end, clear=CLEAR_PIECE)
    out.groups += 1


def holds_cell(ink: np.ndarray) -> bool:
    """Whether the ``ink`` (a crop's mask) encloses a hole nearly its whole height tall and
    half of it wide (:data:`CELL`): a printed cell of a form's comb, a digit written in it;
    a digit's loop is narrower, or shorter than the number (a thin pen's round 0 may pass
    for one: its number is left unread, as any blob the side cuts)."""
    contours, hierarchy = cv2.findContours(
        ink.view(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE
    )
    if hierarchy is None:
        return False
    rows = np.flatnonzero(ink.any(axis=1))
    height = int(rows[-1] - rows[0] + 1)
    for contour, (_, _, _, parent) in zip(contours, hierarchy[0].tolist(), strict=True):
        if parent >= 0:
            _, _, w, h = cv2.boundingRect(contour)
            if h >= CELL[0] * height and w >= CELL[1] * height:
                return True
    return False
