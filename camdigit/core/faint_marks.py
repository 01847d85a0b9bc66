"""Marks far fainter against their ground than the frame's writing: the ground's own texture.

The finder measures each candidate's contrast: its ink's depth below the paper in units of the
ground's grain (:func:`camdigit.core.crops.ink_contrast`). A wall, a wood, a carpet or a
fabric beside a page gives marks that pass as ink and read as digits, but stand out of their
grain several times less than the writing on the page does. The frame's writing is measured
among the marks the model read as digits with confidence (:func:`writing_contrast`), and a
mark under a share of it is the ground's (:func:`faint`). Where those marks fall into two
clusters far apart, a mark away from where the clearer cluster is written (off the page) is
judged against the clearer alone: a wall's marks may outnumber a page's digits. A lone mark
away from the writing, on a ground grainier than the writing's, is the ground's when it stands
out less than half as far as the writing (:func:`rough_ground`): a stucco wall's specks around
a page stand out more than :func:`faint` asks of a pencil beside a marker.
"""

from __future__ import annotations

import numpy as np

FAINT_SHARE = 0.25
"""A candidate whose ink stands out of its ground's grain less than this share of what the
frame's writing does (:func:`writing_contrast`) is the ground's own texture, not writing: on a
wall, wood or fabric beside a page, the ground's marks pass as ink but stand out several times
less than the writing on the page."""

DIM_GROUND = 0.6
"""A cluster of faint marks whose paper is darker than this share of the clearer marks' lies
off the page (a carpet, a desk, a lawn: a page is the brightest ground in view)."""

OFF_PAGE = 0.9
"""A mark away from the clear writing whose ground's light is under this share of the clear
writing's paper lies on another ground (a wall, a desk) and is judged against the clear
writing alone (:func:`faint`); one on paper as light as the writing's is on the page."""

WRITING_SAMPLE = 3
"""Confident digits a frame needs before its writing's contrast is a measure to judge by."""


def faint(
    contrast: np.ndarray,
    confident: np.ndarray,
    level: np.ndarray | None = None,
    ones: np.ndarray | None = None,
    boxes: np.ndarray | None = None,
) -> np.ndarray:
    """(N,) bool: the candidates far fainter against their ground than the frame's writing
    (``confident``: the rows read as digits with confidence, ``ones`` those read as 1; see
    :func:`writing_contrast`); none where too few are.

    ``level`` is the paper's light at each candidate. Where it is less than the writing's (a
    shadow), ink stands out less however clear it is: its depth falls with the light, the
    camera's noise only with the light's square root. The bar is lowered to match.

    With ``boxes``, where the confident marks fall into two clusters far apart, a candidate
    away from the clearer cluster's writing (:func:`away_from`) is judged against the clearer
    cluster alone: faint marks among clear writing may be writing too (a marker number among
    a cheque's printed words), but a wall's marks around a page, as bright as it and more
    numerous than its digits, are the wall's (they made the frame's writing as faint as they
    were, and passed its bar)."""
    if int(confident.sum()) < WRITING_SAMPLE:
        return np.zeros(len(contrast), bool)
    ones = np.zeros(len(contrast), bool) if ones is None else ones
    # each candidate's light, as a share of the paper's under the writing
    light = None if level is None else _light(level, confident)
    lit = None if light is None else light[confident]
    split = _clusters(contrast[confident], lit)
    writing = _writing(contrast[confident], ones[confident], lit, split)
    shade = np.ones(len(contrast)) if light is None else _shade(light)
    ground = contrast < FAINT_SHARE * writing * shade
    if boxes is not None and split is not None and len(split[1]) >= WRITING_SAMPLE:
        clearer = np.flatnonzero(confident)[split[1]]
        away = away_from(boxes, boxes[clearer])
        if light is not None:  # ... and on another ground than the clearer writing's paper
            away &= light < OFF_PAGE * float(np.median(light[clearer]))
        clear = float(np.median(contrast[clearer]))
        ground |= away & (contrast < FAINT_SHARE * clear * shade)
    return ground


ROUGH_GRAIN = 1.5
"""A ground whose grain is at least this many times that around the frame's writing is another
ground than the page's (a stucco wall, a carpet around it: 1.5 to 7 times, a page's paper
within 1.3 of itself) ..."""

ROUGH_FLOOR = 0.015
"""... and at least this share of its level: a ground smoother than that is paper, however much
smoother the writing's is (a page's edge beside a digit, its step blurred into the grain,
raised a lone 4's ground from 0.6% to 1.3%; a stucco wall's and a carpet's reach 1.5% to
10%)."""

ROUGH_SHARE = 0.5
"""... and a lone mark on it, away from the writing, standing out of it less than this share of
what the writing does (:func:`rough_ground`) is that ground's own texture: specks and tufts
beside a page read as 1s and 7s stood out 0.2 to 0.6 as much as its digits. Digits written
there stand with their number (:func:`camdigit.core.slant.near_digits`) or in a form's box."""

ROUGH_TALL = 1.35
"""A mark more than this many times as tall as the writing (its median) is no speck of the
ground but a digit written big: the grain around it is measured at its own, coarser scale,
where a page's edge nearby counts as grain (a thin pen's lone 8 and 0, 1.5 times the
writing's height, near the edge of a page on a desk); a stucco wall's specks read as digits
reached 1.24 times (python -m benchmarks.page_sweep; the test suite's texture page 27)."""


def rough_ground(
    contrast: np.ndarray,
    grain: np.ndarray,
    confident: np.ndarray,
    level: np.ndarray,
    boxes: np.ndarray,
    alone: np.ndarray,
) -> np.ndarray:
    """(N,) bool: the marks ``alone`` (no digit beside them, in no printed box), at most
    :data:`ROUGH_TALL` times the writing's median height, that stand out of their ground less
    than :data:`ROUGH_SHARE` of the frame's writing (its ``confident`` marks' median
    ``contrast``; the bar lowered in a shadow as :func:`faint` lowers it), on a ground
    :data:`ROUGH_GRAIN` times as grainy as the writing's (the marks at least that clear are the
    writing) and no paper (:data:`ROUGH_FLOOR`), away from where the writing stands
    (:func:`away_from`): a wall's or a carpet's marks around a page, as bright as it or darker,
    fainter than its digits by less than :func:`faint` asks (which must keep a pencil beside a
    marker on one page)."""
    sure = confident & np.isfinite(contrast)
    if int(sure.sum()) < WRITING_SAMPLE:
        return np.zeros(len(contrast), bool)
    bar = ROUGH_SHARE * float(np.median(contrast[sure])) * _shade(_light(level, sure))
    writing = sure & (contrast >= bar)
    if int(writing.sum()) < WRITING_SAMPLE:
        return np.zeros(len(contrast), bool)
    rougher = grain >= max(ROUGH_GRAIN * float(np.median(grain[writing])), ROUGH_FLOOR)
    small = boxes[:, 3] <= ROUGH_TALL * float(np.median(boxes[writing, 3]))
    return alone & small & rougher & (contrast < bar) & away_from(boxes, boxes[writing])


def _light(level: np.ndarray, writing: np.ndarray) -> np.ndarray:
    """Each candidate's paper ``level`` as a share of the paper's under the ``writing`` rows."""
    return level / max(float(np.median(level[writing])), 1.0)


def _shade(light: np.ndarray) -> np.ndarray:
    """How far ink stands out in that ``light`` (:func:`_light`) at most, as a share of how far
    it does on the writing's paper: its depth falls with the light, the camera's noise with
    the light's square root (brighter paper than the writing's raises nothing)."""
    return np.sqrt(np.clip(light, 0.0, 1.0))


def away_from(boxes: np.ndarray, writing: np.ndarray) -> np.ndarray:
    """(N,) bool: ``boxes`` lying wholly outside the extent of the ``writing`` boxes grown by
    their median height on every side (the page they are written on, about)."""
    grow = float(np.median(writing[:, 3]))
    x0, y0 = writing[:, :2].min(axis=0) - grow
    x1, y1 = (writing[:, :2] + writing[:, 2:]).max(axis=0) + grow
    right, bottom = boxes[:, 0] + boxes[:, 2], boxes[:, 1] + boxes[:, 3]
    return (right < x0) | (boxes[:, 0] > x1) | (bottom < y0) | (boxes[:, 1] > y1)


def writing_contrast(
    contrast: np.ndarray, ones: np.ndarray, light: np.ndarray | None = None
) -> float:
    """The contrast of the frame's writing among its confident marks (``ones``: those read as
    1; ``light``: the paper's light under each, as a share of the writing's): their median; but
    where they fall into two clusters far apart, and the fainter one is mostly 1s or lies on a
    dim ground (below :data:`DIM_GROUND` of the clearer one's light), the median of the clearer
    one. A wood's grain, a wall's cracks, a carpet's or a lawn's tufts beside a page give
    marks read as digits (a grain's straight streaks as 1s), darker than the page, and may
    outnumber its digits; faint digits beside clear ones on the same page (a big marker number on a
    patterned cheque beside its printed words) are writing too. The split is the one that
    best separates the marks' log-contrasts (Otsu's, in one dimension), each contrast taken
    as clear as the light under it allows (divided by the square root of its light, as
    :func:`faint` lowers its bar: digits in a deep shadow are no cluster of their own); the
    clusters are far apart when their means differ by more than the faint bar (1 /
    :data:`FAINT_SHARE`)."""
    return _writing(contrast, ones, light, _clusters(contrast, light))


def _writing(
    contrast: np.ndarray,
    ones: np.ndarray,
    light: np.ndarray | None,
    split: tuple[np.ndarray, np.ndarray] | None,
) -> float:
    """:func:`writing_contrast` of marks already split (:func:`_clusters`)."""
    median = float(np.median(contrast))
    if split is None:
        return median
    fainter, clearer = split
    mostly_ones = 2 * int(ones[fainter].sum()) > len(fainter)
    dim = False
    if light is not None:
        dim = float(np.median(light[fainter])) < DIM_GROUND * float(np.median(light[clearer]))
    if not (mostly_ones or dim):
        return median
    return float(np.median(contrast[clearer]))


def _clusters(
    contrast: np.ndarray, light: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The fainter and the clearer of two clusters of marks (indices into ``contrast``) far
    apart (see :func:`writing_contrast`), or None where they are not."""
    index = np.flatnonzero(np.isfinite(contrast))
    clear = np.maximum(contrast[index], 1e-6)
    if light is not None:  # clusters of marks as clear as each other's light allows
        clear = clear / np.sqrt(np.clip(light[index], 1e-3, 1.0))
    order = np.argsort(clear)
    values = np.log(clear[order])
    n = len(values)
    if n < 2:
        return None
    k = np.arange(1, n)  # the fainter cluster holds the first k marks
    sums = np.cumsum(values)[:-1]
    low, high = sums / k, (values.sum() - sums) / (n - k)
    split = int(np.argmax(k * (n - k) * (high - low) ** 2))
    if high[split] - low[split] <= np.log(1.0 / FAINT_SHARE):
        return None
    return index[order[: split + 1]], index[order[split + 1 :]]
