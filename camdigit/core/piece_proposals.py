"""A doubted blob's pieces as proposals of its group, read in the same frame's second batch.

Where the model doubts a blob whole, the pipeline cuts it (:func:`camdigit.core.cuts.cut_pieces`
between touching digits, :func:`camdigit.core.rows.row_cuts` between rows) and proposes the
pieces beside the whole, each an edge of the blob's lattice, for the model to choose among
(:func:`doubted_pieces`).

A blob no wider than one digit is not cut as a wide one is, but two touching digits of a longer
number often are that narrow (a 9 leaning on a 1), and the model judges them no digit. Such a
blob is cut where it stands beside a digit read sure (not a 0 or a 1, as an o or an l read),
closer than numbers are ever parted (:func:`beside_digits`): a word's letters stand a
number's gap from the digits. Its cut stands only where it reads clearly
(:func:`narrow_cuts_kept`); else the blob is read whole, as it was before it was cut.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from camdigit.core.cuts import cut_pieces
from camdigit.core.detections import Detections
from camdigit.core.numbers import ALWAYS_JOIN
from camdigit.core.proposals import CLEAR_PIECE, CLEAR_ROW, END, contested, proposals, uncut
from camdigit.core.rows import row_cuts, two_rows
from camdigit.core.slant import WORD_OVERLAP, paper_between

if TYPE_CHECKING:
    from camdigit.core.first_look import FirstLook

LETTER_LIKE = (0, 1)
"""Digits a letter reads as sure (an o, an O; an l, an I): a narrow blob beside one of them
only is not cut (a printed "No." read its o as 0, and its N, cut, as "14")."""

CLEAR_NARROW = 0.9
"""The confidence each piece of a narrow blob must be read with for its cut to stand: such a
blob is as often one odd digit the model judged no digit as two touching ones, and a lone
digit's strokes cut apart read as digits too (a light pen's 7 with a curled foot, cut, read
"5" at 0.99 and "1" at 0.74, which the wide blobs' level,
:data:`camdigit.core.proposals.CLEAR_PIECE`, let stand)."""


def blob_pieces(
    found: Detections,
    rows: np.ndarray,
    cut: Callable[[np.ndarray, Any], list[tuple[list[int], np.ndarray, int, int]]] = cut_pieces,
    clear: float = CLEAR_PIECE,
) -> Detections:
    """The pieces (``cut``: :func:`cut_pieces`, or another cut with its shape) of the blobs at
    ``rows`` of the proposals ``found``, as proposals of their blobs' groups (the blob whole is
    the lattice's edge 0 -> END; its pieces the others), with their blob's contrast, grain and
    paper level and printed box, each to be read at least ``clear``ly for the cut to stand
    (:func:`camdigit.core.proposals.unclear_cuts`)."""
    boxes, crops, group, start, end, contrast, level, grain, field = ([] for _ in range(9))
    data = found.data
    for row in rows.tolist():
        for box, crop, first, last in cut(data["crops"][row], found.boxes[row]):
            boxes.append(box)
            crops.append(crop)
            group.append(data["group"][row])
            start.append(first)
            end.append(last)
            contrast.append(data["contrast"][row])
            level.append(data["level"][row])
            grain.append(data["grain"][row])
            field.append(data["field"][row])
    return proposals(
        np.array(boxes, np.int32).reshape(-1, 4),
        crops,
        np.array(group, np.int64),
        np.array(start, np.int64),
        np.array(end, np.int64),
        np.array(contrast, np.float32),
        np.array(level, np.float32),
        clear=np.full(len(boxes), clear, np.float32),
        field=np.array(field, np.int64),
        grain=np.array(grain, np.float32),
    )


def doubted_pieces(
    found: Detections,
    doubt: np.ndarray,
    sure: np.ndarray,
    look: FirstLook,
    writing: float,
    rows_height: float,
    min_digit: float,
) -> Detections:
    """The pieces of the blobs whose whole reading is in ``doubt`` (their group's first look,
    ``look``; ``sure``: the proposals read sure, or following a steady track of a video and
    not read again):

    - a wide (``cuttable``) blob's, between touching digits;
    - a narrow blob's that the model judges no digit (below ``min_digit``), beside a digit
      read sure that is not one a letter reads as (:data:`LETTER_LIKE`,
      :func:`beside_digits`), each piece to be read at :data:`CLEAR_NARROW`;
    - a blob shaped like two rows' digits of ``writing`` px (``rows_height`` of it,
      :func:`camdigit.core.rows.two_rows`), alone in its group, that the model reads less
      clearly than its pieces must be (a digit's stroke touching the digit of the row below;
      a big digit among small ones reads sure), cut between the rows."""
    cuttable = found.data["cuttable"]
    alone = doubt & ~cuttable & ~contested(found.data["group"])
    tall = alone & (look.is_digit * look.raw < CLEAR_ROW)
    tall &= two_rows(found.boxes, writing, rows_height)
    narrow = alone & ~tall & look.read & (look.is_digit < min_digit)
    letter_like = look.read & np.isin(look.digits, LETTER_LIKE)
    narrow = beside_digits(found.boxes, narrow, sure & ~letter_like)
    pieces = blob_pieces(found, np.flatnonzero(doubt & cuttable))
    if narrow.any():
        more = blob_pieces(found, np.flatnonzero(narrow), clear=CLEAR_NARROW)
        pieces = Detections.concat(pieces, more)
    if tall.any():
        cut = partial(row_cuts, writing=writing)
        pieces = Detections.concat(pieces, blob_pieces(found, np.flatnonzero(tall), cut, CLEAR_ROW))
    return pieces


def beside_digits(boxes: np.ndarray, candidates: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """(N,) bool: the ``candidates`` that stand beside one of the ``digits`` on a line
    (sharing :data:`camdigit.core.slant.WORD_OVERLAP` of the shorter one's rows), closer than
    numbers are ever parted (:data:`camdigit.core.numbers.ALWAYS_JOIN` heights of the taller
    of paper between them, :func:`camdigit.core.slant.paper_between`)."""
    out = np.zeros(len(boxes), bool)
    rows, others = np.flatnonzero(candidates), np.flatnonzero(digits)
    if not len(rows) or not len(others):
        return out
    a, b = boxes[rows].astype(np.float64)[:, None], boxes[others].astype(np.float64)[None]
    shared = np.minimum(a[..., 1] + a[..., 3], b[..., 1] + b[..., 3])
    shared -= np.maximum(a[..., 1], b[..., 1])
    shorter, taller = np.minimum(a[..., 3], b[..., 3]), np.maximum(a[..., 3], b[..., 3])
    close = paper_between(boxes[rows], boxes[others]) <= ALWAYS_JOIN * taller
    out[rows] = ((shared >= WORD_OVERLAP * shorter) & close).any(axis=1)
    return out


def narrow_pieces(found: Detections) -> np.ndarray:
    """(N,) bool: the pieces of narrow blobs (:func:`doubted_pieces`, marked by their
    :data:`CLEAR_NARROW`)."""
    return found.data["clear"] == np.float32(CLEAR_NARROW)


def narrow_cuts_kept(
    found: Detections, keep: np.ndarray, digits: np.ndarray, confidences: np.ndarray
) -> np.ndarray:
    """``keep`` (the proposals chosen) with each narrow blob (:func:`narrow_pieces`) kept whole
    instead, read as it was before it was cut, unless its chosen pieces run from its one end
    to the other (none of its ink passed over), each read clearly (its ``confidences`` at its
    ``clear``, :data:`CLEAR_NARROW`), and not as 1s only (a letter's strokes: a U, an n, an
    H)."""
    group, clear = found.data["group"], found.data["clear"]
    start, end = found.data["start"], found.data["end"]
    whole = uncut(start, end)
    cut = narrow_pieces(found)
    keep = keep.copy()
    for g in np.unique(group[cut]).tolist():
        members = group == g
        chosen = np.flatnonzero(keep & members)
        chosen = chosen[np.argsort(start[chosen])]
        stands = (
            len(chosen) > 1  # the whole is a path of one
            and start[chosen[0]] == 0
            and end[chosen[-1]] == END
            and bool((start[chosen[1:]] == end[chosen[:-1]]).all())
            and bool((confidences[chosen] >= clear[chosen]).all())
            and not (digits[chosen] == 1).all()
        )
        if not stands:
            keep[members] = whole[members]
    return keep
