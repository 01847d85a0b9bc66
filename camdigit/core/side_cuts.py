"""A number the frame's side cuts: the digits of it the side left whole, read.

A blob the frame's border cuts is no whole digit, and the finder proposes none of it. But a
number written tight (its digits touching) that runs out of the frame at its left or right
side is one such blob: the digits clear of the side are whole, only the one the side crosses
is not. Such a blob is cut between its digits as any wide blob is, and its pieces the side
does not cut are proposed, in its group: the piece at the side has no edge in the lattice,
and :func:`camdigit.core.proposals.choose` passes over that ink only beside pieces read as
sure digits alone, not as 1s (a stroke of anything reads as a 1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from camdigit.core.cuts import cut_pieces
from camdigit.core.proposals import CLEAR_PIECE, END

if TYPE_CHECKING:
    from camdigit.core.alternatives import FrameInk, Proposals


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
    crop, contrast = made
    few = int(box[2]) <= ink.cfg.max_aspect * int(box[3])
    pieces = cut_pieces(crop, box, cores=few)
    if not pieces:
        return
    kept = whole(np.array([piece[0] for piece in pieces], np.int32).reshape(-1, 4))
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
        out.add(piece_box, piece, contrast, start, end, clear=CLEAR_PIECE)
    out.groups += 1
