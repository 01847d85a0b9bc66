"""A digit's neighbours on its line: the slant of the line, and whether a "1" is as tall as they.

:mod:`camdigit.core.lines` follows whole lines, which costs a few milliseconds a frame. The
pipeline needs less to read a doubtful digit upright on a turned page: the direction from the
digit to its nearest neighbours of a similar height. Directions are taken between the digits'
feet (:data:`camdigit.core.lines.FOOT`), either way along the line, and only those within
:data:`camdigit.core.lines.MAX_TILT` of horizontal and twice
:data:`camdigit.core.lines.MAX_LINK_GAP` heights away (feet to feet: the second neighbour is a
pitch further) count: a neighbour in the row above is not on the digit's line.
"""

from __future__ import annotations

import numpy as np

from camdigit.core.lines import FOOT, MAX_HEIGHT_RATIO, MAX_LINK_GAP, MAX_TILT

TURNED = 10.0
"""Lines at least this many degrees from horizontal are slanted (the model was trained on digits
turned up to 30 degrees, and reads them best upright)."""

ANCHOR = 0.9
"""A line's slant is told by the neighbours read at least this confidently (the specks of a
wall read as digits make no line)."""

NEIGHBOURS = 2
"""A digit's slant is the mean direction to this many nearest neighbours on its line..."""

AGREE = 10.0
"""... when their directions agree within this many degrees: one line through three digits, not
a mark beside a digit or between two lines."""


def local_slant(
    boxes: np.ndarray,
    rows: np.ndarray,
    anchors: np.ndarray | None = None,
    through: bool = False,
) -> np.ndarray:
    """(len(rows),) float: for each of the digits ``rows`` (indices into ``boxes``, (N, 4)),
    the direction of its line in degrees (positive: down to the right), NaN where its
    neighbours do not tell it. ``anchors`` ((N,) bool) are the boxes that may be neighbours (the
    digits read with confidence: specks of a wall beside each other make no line); all when
    None. ``through``: the two neighbours lie on the line too (:func:`_through`)."""
    b = boxes.astype(np.float64)
    centres = b[:, :2] + b[:, 2:] / 2.0
    feet = centres + np.column_stack([np.zeros(len(b)), FOOT * b[:, 3] / 2.0])
    step = feet[None] - feet[rows, None]  # [k, j]: from digit rows[k] to digit j
    folded = (np.degrees(np.arctan2(step[..., 1], step[..., 0])) + 90.0) % 180.0 - 90.0
    h = b[:, 3]
    taller = np.maximum(h[rows, None], h[None])
    shorter = np.minimum(h[rows, None], h[None])
    near = np.hypot(step[..., 0], step[..., 1]) / np.maximum(taller, 1.0)
    usable = (
        (np.abs(folded) <= MAX_TILT)
        & (near <= 2.0 * MAX_LINK_GAP)  # between feet, and the second neighbour a pitch further
        & (taller <= MAX_HEIGHT_RATIO * shorter)
    )
    usable[np.arange(len(rows)), rows] = False
    if anchors is not None:
        usable &= anchors[None]
    near = np.where(usable, near, np.inf)
    slant = np.full(len(rows), np.nan)
    if len(b) < 2 or not len(rows):
        return slant
    k = min(NEIGHBOURS, len(b) - 1)
    nearest = np.argsort(near, axis=1)[:, :k]
    angles = np.take_along_axis(folded, nearest, axis=1)
    told = np.isfinite(np.take_along_axis(near, nearest, axis=1)).all(axis=1)
    told &= np.ptp(angles, axis=1) <= AGREE
    mean = angles.mean(axis=1)
    if through:  # the direction between the two neighbours agrees too (:func:`_through`)
        told &= _through(feet, nearest, mean)
    slant[told] = mean[told]
    return slant


def _through(feet: np.ndarray, pairs: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """(len(pairs),) bool: do the two neighbours of each of ``pairs`` ((n, 2) indices into
    ``feet``) lie on one line with the digit that sees them at ``angles`` (n,): the direction
    between them agrees too (a mark below an upright number sees two of its digits at one
    slant, but they lie level)."""
    if pairs.shape[1] < 2:
        return np.zeros(len(pairs), bool)
    step = feet[pairs[:, 1]] - feet[pairs[:, 0]]
    between = (np.degrees(np.arctan2(step[:, 1], step[:, 0])) + 90.0) % 180.0 - 90.0
    return np.abs(between - angles) <= AGREE


FRAGMENT = 0.5
"""A "1" less than this share of the height of its neighbours on its line is a fragment (a
stroke's piece, a comma, a tick): the digits of one line are of a height (a short 0 beside a
tall 7 still stands within :data:`camdigit.core.lines.MAX_HEIGHT_RATIO`)."""

TOWER = 2.0
"""... and a "1" more than this many times as tall as the tallest of them is no digit of the
line either (an integral sign, a bracket or a divider beside the digits; the tallest, as a
short digit or a fragment beside it must not make a 1 of the line's height look tall)."""

DOUBT_TOWER = 1.3
"""A digit read with doubt (under :data:`ANCHOR`, not a 1: those :data:`TOWER` judges) more
than this many times as tall as the tallest digit beside it, reaching above and below every one
of them, is a sign enclosing the line (a bracket read as 7, an integral's hook): a digit of the
line written larger stands on its line's foot or hangs from its top, and is read with
confidence (the development photos' bracket stood 1.38 times its line, read 7 at 0.75)."""

LONE_EVIDENCE = 3
"""A "1" with no digit beside it is judged against the frame's writing (:data:`TOWER` times
its tallest other digit) when the frame holds at least this many other digits: a streak of a
wood grain or a plank's seam off the page, taller than anything written on it."""

BESIDE_TILT = 30.0
"""Neighbours beside a digit lie within this many degrees of horizontal from it..."""

BESIDE_GAP = 1.0
"""... and the paper between their boxes is at most this many of the neighbour's heights (a
digit's room: a far tall mark is not the line's writing)."""


def stray_ones(boxes: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """(N,) bool: the digits read as 1 that are no digit of their line: less than
    :data:`FRAGMENT` of the median height of the digits beside them (a fragment), or more than
    :data:`TOWER` times the tallest of them (an integral sign, a bracket). A 1 with no digit
    but 1s beside it is also judged against the frame's writing: more than :data:`TOWER` times
    the frame's tallest other digit, where it holds :data:`LONE_EVIDENCE` of them, it is no
    digit (a wood grain's streaks off the page)."""
    found = np.zeros(len(boxes), bool)
    ones = np.flatnonzero(digits == 1)
    if not len(ones) or len(boxes) < 2:
        return found
    h = boxes[:, 3].astype(np.float64)
    beside, _ = _beside(boxes, ones)
    # the frame's writing, for a 1 with no digit beside it: the tallest of its other digits
    not_one = digits != 1
    others = h[not_one]
    writing = float(others.max()) if len(others) >= LONE_EVIDENCE else np.inf
    for k, i in enumerate(ones.tolist()):
        line = h[beside[k]]
        if len(line):
            found[i] = h[i] < FRAGMENT * float(np.median(line)) or h[i] > TOWER * line.max()
        # with no digit but 1s beside it (a row of streaks is no writing), against the
        # frame's writing
        if not (beside[k] & not_one).any():
            found[i] |= h[i] > TOWER * writing
    return found


def towering_doubts(boxes: np.ndarray, digits: np.ndarray, confidences: np.ndarray) -> np.ndarray:
    """(N,) bool: the digits (``boxes``, read as ``digits`` with ``confidences``) read with
    doubt, not 1s (:func:`stray_ones` judges those), that tower over the digits beside them
    (:data:`DOUBT_TOWER`): a bracket read as 7."""
    found = np.zeros(len(boxes), bool)
    doubt = np.flatnonzero((confidences < ANCHOR) & (digits != 1))
    if len(boxes) < 2 or not len(doubt):
        return found
    b = boxes.astype(np.float64)
    beside, _ = _beside(boxes, doubt)
    for k, i in enumerate(doubt.tolist()):
        line = beside[k]
        if not line.any():
            continue
        top, bottom = b[line, 1], b[line, 1] + b[line, 3]
        found[i] = (
            b[i, 3] > DOUBT_TOWER * b[line, 3].max()
            and b[i, 1] < top.min()
            and b[i, 1] + b[i, 3] > bottom.max()
        )
    return found


SPECK = 0.5
"""A reading less than this share of the height of every digit of the frame's writing (its
digits not this far below their median; three digits at least) is a speck of the page or a
sign beside the writing (a cheque's "$" before its number, a dot beside a digit), unless it
stands between two digits on its line: a digit written small inside a number is one of its
digits. Every digit of the writing, not their median: a page's digits written at different
sizes keep their smaller ones."""


def specks(boxes: np.ndarray) -> np.ndarray:
    """(N,) bool: the digit ``boxes`` ((N, 4) x, y, w, h), three at least, whose larger side is
    less than :data:`SPECK` of the height of each digit of the frame's writing, with no digit
    beside them on one side or the other (within :data:`BESIDE_TILT` of level and
    :data:`BESIDE_GAP` of that digit's height)."""
    found = np.zeros(len(boxes), bool)
    if len(boxes) < 3:
        return found
    b = boxes.astype(np.float64)
    h = b[:, 3]
    writing = h[h >= SPECK * np.median(h)]  # the frame's digits, specks aside
    # its larger side: a digit written flat (a 5 lying low) is as wide as its neighbours
    small = np.flatnonzero(b[:, 2:].max(axis=1) < SPECK * writing.min())
    if not len(small):
        return found
    beside, along = _beside(boxes, small)
    between = (beside & (along < 0)).any(axis=1) & (beside & (along > 0)).any(axis=1)
    found[small] = ~between
    return found


def _beside(boxes: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[k, j] bool: digit j stands beside digit ``rows[k]`` of ``boxes`` ((N, 4) x, y, w, h):
    within :data:`BESIDE_TILT` of level from it and :data:`BESIDE_GAP` of j's height of paper
    away (not itself); and [k, j] float: how far j's centre lies right of its (negative:
    left)."""
    b = boxes.astype(np.float64)
    centres = b[:, :2] + b[:, 2:] / 2.0
    d = centres[None] - centres[rows, None]  # [k, j]: from digit rows[k] to digit j
    tilt = np.degrees(np.arctan2(np.abs(d[..., 1]), np.abs(d[..., 0])))
    beside = (tilt <= BESIDE_TILT) & (paper_between(b[rows], b) <= BESIDE_GAP * b[None, :, 3])
    beside[np.arange(len(rows)), rows] = False
    return beside, d[..., 0]


def paper_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) float: the paper between each box of ``a`` and each of ``b`` ((N, 4) x,
    y, w, h), the straight distance between their edges (0 where they overlap)."""
    a, b = a.astype(np.float64)[:, None], b.astype(np.float64)[None]
    after, before = b[..., :2] - (a[..., :2] + a[..., 2:]), a[..., :2] - (b[..., :2] + b[..., 2:])
    apart = np.maximum(np.maximum(after, before), 0.0)  # along x and along y
    return np.hypot(apart[..., 0], apart[..., 1])


NEAR = 1.0
"""Digits with at most this many of the taller one's heights of paper between their boxes, in
any direction, are near each other (the digits of one number, on a page turned any way)."""


def near_digits(boxes: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """(N,) bool: which rows of ``boxes`` have another of the ``digits`` rows (a mask) near them
    (:data:`NEAR`): a 1 with a digit beside it stands on a line whose slant it may share (a
    turned page's numbers lean with it), a lone one stands on its own."""
    others = np.flatnonzero(digits)
    if len(others) == 0 or len(boxes) < 2:
        return np.zeros(len(boxes), bool)
    taller = np.maximum(boxes[:, 3][:, None], boxes[others, 3][None])
    close = paper_between(boxes, boxes[others]) <= NEAR * taller
    close[others, np.arange(len(others))] = False  # not itself
    return np.asarray(close.any(axis=1), bool)


WORD_GAP = 0.3
"""A mark this close beside a digit (paper between their boxes, in the digit's heights: the
letters of a word stand closer than the digits of two numbers ever do, see
:data:`camdigit.core.numbers.ALWAYS_JOIN`)..."""

WORD_OVERLAP = 0.5
"""... sharing this share of the shorter one's rows is its neighbour on a line."""


def within_words(boxes: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """(N,) bool: the rows of ``boxes`` read as a digit (``digits`` >= 0) that stand between
    two marks that are no digit (``digits`` -1: the model judged them letters, or not sure),
    one close on each side on its line and of a similar height: the O of a printed "TOTAL", a
    letter of a word read as a digit. A digit beside one letter ("2x") is not. Only marks the
    finder proposed count: letters it passed over for its own bounds are not seen here."""
    left, right = _letters_beside(boxes, digits)
    return left & right


LABEL_HEIGHT = 0.5
"""A digit beside a letter is a letter of a label when it is less than this share of the height
of every digit of the frame with no letter beside it: the digits of a number are of a height
(a short 0 beside a tall 7 still within :data:`camdigit.core.lines.MAX_HEIGHT_RATIO`), and a
printed label's small letters ("Pay", "No.", "Sum") stand beside a number written large. Every
such digit, not their median: a frame's few digits may hold a tall mark read as one (an
integral sign read as 1 made the 7 of "7x" look small beside the median)."""


LABEL_EVIDENCE = 2
"""... judged where the frame holds at least this many digits with no letter beside them (a
number's)."""


def label_letters(
    boxes: np.ndarray, digits: np.ndarray, beside: np.ndarray | None = None
) -> np.ndarray:
    """(N,) bool: the rows of ``boxes`` read as a digit (``digits`` >= 0) with a mark that is no
    digit (``digits`` -1) close beside it on its line (as :func:`within_words` sees them, on one
    side only) that are less than :data:`LABEL_HEIGHT` of the height of each digit of the
    frame with no letter beside it, where it holds :data:`LABEL_EVIDENCE` of them: the last
    letter of a printed "Pay" read as 4, the first of "Sum" as 5 (a label's other letters read
    as digits, beside letters too, are no measure of the writing). A digit beside a letter of
    the writing's own size ("2x") is not. ``beside``: :func:`letters_beside` of the same
    arrays, where the caller has it."""
    if beside is None:
        beside = letters_beside(boxes, digits)
    apart = np.flatnonzero((digits >= 0) & ~beside)
    if not beside.any() or len(apart) < LABEL_EVIDENCE:
        return np.zeros(len(boxes), bool)
    writing = float(boxes[apart, 3].min())
    return beside & (boxes[:, 3] < LABEL_HEIGHT * writing)


def letters_beside(boxes: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """(N,) bool: the rows read as a digit (``digits`` >= 0) with a mark that is no digit
    (``digits`` -1) close beside them on their line, on either side (as :func:`within_words`
    sees them)."""
    left, right = _letters_beside(boxes, digits)
    return left | right


def _letters_beside(boxes: np.ndarray, digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N,) bool twice: the rows read as a digit with a mark that is no digit close on their
    left, and on their right, on their line and of a similar height (see
    :func:`within_words`)."""
    left_of = np.zeros(len(boxes), bool)
    right_of = np.zeros(len(boxes), bool)
    read = np.flatnonzero(digits >= 0)
    marks = np.flatnonzero(digits < 0)
    if not len(read) or not len(marks):
        return left_of, right_of
    b = boxes.astype(np.float64)
    r, m = b[read], b[marks]
    h = r[:, 3][:, None]
    r_bottom = (r[:, 1] + r[:, 3])[:, None]
    m_bottom = (m[:, 1] + m[:, 3])[None]
    rows = np.minimum(r_bottom, m_bottom) - np.maximum(r[:, 1][:, None], m[:, 1][None])
    shorter = np.minimum(h, m[:, 3][None])
    taller = np.maximum(h, m[:, 3][None])
    line = (rows >= WORD_OVERLAP * shorter) & (taller <= MAX_HEIGHT_RATIO * shorter)
    left_gap = r[:, 0][:, None] - (m[:, 0] + m[:, 2])[None]  # paper left of the digit
    right_gap = m[:, 0][None] - (r[:, 0] + r[:, 2])[:, None]
    close = WORD_GAP * h
    # beside it: from WORD_GAP of paper away to overlapping it by half a height at most (a
    # letter of a word written tight; not a mark inside the digit's box, such as its own piece)
    left = (
        line
        & (left_gap >= -0.5 * shorter)
        & (left_gap <= close)
        & (m[:, 0][None] < r[:, 0][:, None])
    )
    right = (
        line
        & (right_gap >= -0.5 * shorter)
        & (right_gap <= close)
        & ((m[:, 0] + m[:, 2])[None] > (r[:, 0] + r[:, 2])[:, None])
    )
    left_of[read] = left.any(axis=1)
    right_of[read] = right.any(axis=1)
    return left_of, right_of
