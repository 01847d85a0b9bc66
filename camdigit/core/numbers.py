"""Numbers: which neighbours on a text line belong to one written number ("2026").

Handwriting has no fixed spacing: one writer leaves a fifth of a digit between the digits of a
number, another half a digit, and the space between two numbers may be narrower than the space
inside a number written elsewhere on the page. Each gap is therefore judged against its own
line's gaps, in digit heights, between ink (see :mod:`camdigit.core.lines`): the gaps inside numbers
form one cluster, the gaps between numbers another. Neighbours are merged closest first, so
each gap meets the groups its narrower neighbours already formed (a one-dimensional two-cluster
split that adapts along the line), and a gap left apart is judged again once wider gaps beside
it have joined (passes until one joins none):

- up to :data:`ALWAYS_JOIN` heights, a gap joins: no one parts numbers so closely; beyond
  :data:`NEVER_JOIN`, it never does;
- between two groups that already hold gaps, it joins when it is at most :data:`SPREAD` times
  (plus :data:`SLACK`) the widest gap inside either, or when it is at most :data:`TIGHT` (or,
  on a page whose lines show both clusters apart, the point between them) and the line's
  wider gaps step up by :data:`CLEAR` times somewhere above it: irregular gaps inside numbers,
  on a line whose numbers stand far apart (two like gaps do not hold each other apart);
- between a group and a lone digit, it joins on the same grounds, or when it is at most
  :data:`TIGHT`, as long as the digits are not further apart than lone digits may be;
- between two lone digits (nothing to compare with), it joins when narrower than a digit's
  height: a line whose gaps are all alike is one number unless they are wider than that. On a
  page whose other lines show both clusters well apart, the point between them takes the place
  of the digit's height: a row of lone digits spaced like that page's numbers is a row of
  numbers. Two digits alone on their line (a camera held close to one or two big digits) join
  only up to :data:`PAIR_JOIN`: no gap beside theirs says how this hand spaces a number.
"""

from __future__ import annotations

import math

import numpy as np

from camdigit.core.detections import Detections, Number
from camdigit.core.form_fields import NO_FIELD
from camdigit.core.lines import Line, find_lines
from camdigit.core.number_history import NumberHistory

ALWAYS_JOIN = 0.3
"""Gaps up to this many digit heights always join (numbers are never written so close)."""

LONE_JOIN = 1.0
"""Two lone digits join when their gap is at most this many digit heights (no page evidence)."""

PAIR_JOIN = 0.65
"""Two digits alone on a line (and no page evidence) join when their gap is at most this many
heights: the development photos' numbers hold gaps up to 0.58 (after a narrow 1), while two
digits written apart stand about a digit's width apart (two thirds of a height) or more.
Lines of more digits keep :data:`LONE_JOIN` for their narrowest gap: there an even spacing of
0.7-0.9 heights is one number written wide (the spacing family's), and the line's other gaps
can still part it."""

NEVER_JOIN = 1.6
"""Gaps wider than this many digit heights never join."""

SPREAD = 1.35
"""A gap joins two groups when it is at most this many times the widest gap inside either..."""

SLACK = 0.05
"""... plus this many digit heights (boxes are a pixel or two off the ink)."""

TIGHT = 0.55
"""A lone digit joins a number whose inner gaps are narrower up to this many heights away; two
numbers this close join when every wider gap of the line is :data:`CLEAR` times as wide."""

CLEAR = 1.8
"""Gaps this many times apart lie in different clusters..."""

OFFSET = 0.1
"""... after adding this many heights to each (tiny gaps jump by large factors)."""

PAGE_EVIDENCE = 3
"""Joined and split gaps each needed, on lines showing both, for the page's own lone-digit
threshold."""


def group_numbers(
    detections: Detections,
    history: NumberHistory | None = None,
    fields: np.ndarray | None = None,
) -> list[Number]:
    """The frame's numbers in reading order: line by line, left to right along each line.

    With the ``history`` of a video or camera (the tracker's), each join between tracked
    neighbours is voted over the last frames and the numbers get steady ids. With the
    ``fields`` of a form (per detection, the printed box or comb it is written in, or
    :data:`~camdigit.core.form_fields.NO_FIELD`:
    :func:`camdigit.core.form_fields.digit_fields`), neighbours in one field are one number
    whatever their gap, and a field's digits join no digit outside it.
    """
    lines = find_lines(detections.boxes)
    scaled = [_scaled_gaps(line) for line in lines]
    joins = [_joins(gaps, None) for gaps in scaled]
    page = _page_threshold(joins, scaled)
    if page is not None:
        joins = [_joins(gaps, page) for gaps in scaled]
    if history is not None:
        joins = history.vote(detections.tracks, [line.members for line in lines], joins)
    if fields is not None and (fields != NO_FIELD).any():
        joins = [_by_fields(line, fields, j) for line, j in zip(lines, joins, strict=True)]
    numbers = []
    boxes, digits = detections.boxes.tolist(), detections.digits.tolist()  # read once, as ints
    for index, (line, joined) in enumerate(zip(lines, joins, strict=True)):
        start = 0
        for k in range(len(line.members)):
            if k == len(line.members) - 1 or not joined[k]:
                numbers.append(_number(boxes, digits, line.members[start : k + 1], index))
                start = k + 1
    if history is not None:
        numbers = history.name(numbers, detections.tracks)
    return numbers


def _by_fields(line: Line, fields: np.ndarray, joined: np.ndarray) -> np.ndarray:
    """A line's joins where a form's printed boxes decide them: digits in one box or comb join,
    a digit in a box and one outside it (or in another) do not; elsewhere as ``joined``."""
    field = fields[list(line.members)]
    left, right = field[:-1], field[1:]
    boxed = np.maximum(left, right) != NO_FIELD
    return np.where(boxed, left == right, joined)


def _scaled_gaps(line: Line) -> np.ndarray:
    """The line's gaps in heights of the taller digit of each pair."""
    h = line.heights
    return line.gaps / np.maximum(np.maximum(h[:-1], h[1:]), 1.0)


def _joins(gaps: np.ndarray, page: float | None) -> np.ndarray:
    """Which gaps of one line join their digits into one number (see the module's docstring);
    ``page``: the gap that parts numbers on this page, where its lines show it, else None."""
    m = len(gaps)
    joined = np.zeros(m, bool)
    wide = np.sort(gaps[gaps > TIGHT])
    # group of each digit: the widest joined gap inside it, at least 0 (digits whose ink overlaps
    # are joined by no gap at all), or -1 for a lone digit; plain lists, as a line holds a
    # handful of digits and numpy's per-call cost would dominate
    widest = [-1.0] * (m + 1)
    group = list(range(m + 1))
    values = gaps.tolist()
    # two lone digits: the page's own bound where its lines show one, else this line's
    lone = page if page is not None else PAIR_JOIN if m == 1 else LONE_JOIN
    order = [k for k in np.argsort(gaps, kind="stable").tolist() if values[k] <= NEVER_JOIN]
    # a gap that did not join may join once a wider neighbour has grown a group beside it
    # (0.52 0.59 0.57 0.3: "4" alone is not near "56", whose gap is 0.3, but it is near "234",
    # once 0.59 joined it): passes over the gaps left until one joins none
    changed = True
    while changed:
        changed = False
        for k in order:
            if joined[k]:
                continue
            gap = values[k]
            left, right = group[k], group[k + 1]
            inside = max(widest[left], widest[right])
            sides = int(widest[left] >= 0) + int(widest[right] >= 0)
            near = gap <= SPREAD * inside + SLACK
            if gap <= ALWAYS_JOIN:
                join = True
            elif sides == 0:
                join = gap <= lone
            elif sides == 1:
                join = gap <= LONE_JOIN and (
                    near or gap <= TIGHT or _clearly_narrower(gap, wide, False)
                )
            else:
                within = gap <= (TIGHT if page is None else max(TIGHT, page))
                join = near or (within and _clearly_narrower(gap, wide, True))
            if not join:
                continue
            joined[k] = changed = True
            group = [left if g == right else g for g in group]
            widest[left] = max(inside, gap, 0.0)
    return joined


def _clearly_narrower(gap: float, wide: np.ndarray, alone: bool) -> bool:
    """Whether ``gap`` lies in a cluster of its line's wide gaps (``wide``: those above
    :data:`TIGHT`, sorted) below a step of :data:`CLEAR` times to the wider ones: the gaps
    inside numbers, where the gaps between them stand clear above (0.57 and 0.59 inside two
    numbers whose gap is 2.1: neither is clearly narrower than the other, both are clearly
    narrower than 2.1); ``alone`` answers a line with no wider gap."""
    wider = wide[wide > gap]
    if not len(wider):
        return alone
    steps = np.concatenate(([gap], wider)) + OFFSET
    return bool((steps[1:] >= CLEAR * steps[:-1]).any())


def _page_threshold(first: list[np.ndarray], gaps: list[np.ndarray]) -> float | None:
    """The gap that parts numbers on this page: between the widest gaps inside numbers and the
    narrowest between numbers, on lines that hold both, when the two stand apart; else None."""
    inside = [g[j] for g, j in zip(gaps, first, strict=True) if j.any() and not j.all()]
    between = [g[~j] for g, j in zip(gaps, first, strict=True) if j.any() and not j.all()]
    if not inside:
        return None
    inside_all, between_all = np.concatenate(inside), np.concatenate(between)
    if len(inside_all) < PAGE_EVIDENCE or len(between_all) < PAGE_EVIDENCE:
        return None
    high = float(np.quantile(inside_all, 0.9))
    low = float(np.quantile(between_all, 0.1))
    if low <= SPREAD * high:
        return None
    return min(LONE_JOIN, math.sqrt(max(high, ALWAYS_JOIN) * low))


def _number(
    all_boxes: list[list[int]], digits: list[int], members: tuple[int, ...], line: int
) -> Number:
    boxes = [all_boxes[m] for m in members]
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    text = "".join(str(int(digits[m])) for m in members)
    return Number(text, (x0, y0, x1 - x0, y1 - y0), tuple(members), line)
