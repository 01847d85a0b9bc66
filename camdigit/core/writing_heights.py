"""How tall the frame's digits are: the heights the proposals' shapes are judged against
(:func:`camdigit.core.proposals.log_odds`): the writing the model read, the digits standing
apart, and the blob each cut piece was cut from."""

from __future__ import annotations

import numpy as np

from camdigit.core.proposals import uncut


def writing_height(boxes: np.ndarray, digits: np.ndarray) -> float:
    """The frame's typical digit height: the median height of the proposals the model read as
    digits (``digits``, a mask); 0 (no measure) when there are none."""
    heights = boxes[digits, 3]
    return float(np.median(heights)) if len(heights) else 0.0


STANDING = 5
"""Digits read whole (uncut, without alternatives) needed to measure the frame's standing writing
(:func:`standing_height`); with fewer, cut pieces are held to no height below."""


def standing_height(boxes: np.ndarray, whole: np.ndarray) -> float:
    """The height of the frame's digits that stand apart: the median height of the proposals
    ``whole`` marks (read as digits, uncut and without alternatives), when there are
    :data:`STANDING` of them; else 0 (a strip of touching digits has none to measure by)."""
    if int(whole.sum()) < STANDING:
        return 0.0
    return float(np.median(boxes[whole, 3]))


def piece_heights(
    boxes: np.ndarray,
    group: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    across: np.ndarray,
    standing: float,
) -> np.ndarray:
    """(N,) float: the height each proposal is held to as a piece (``log_odds``' ``standing``;
    0: none). The frame's ``standing`` digits' height (:func:`standing_height`) where it has
    them; where too few digits stand apart to measure (a formula among letters, a short line),
    each piece cut ``across`` its blob (a mask: between touching digits, not between rows)
    is held to its own blob's height read whole: the digits of a number written touching are
    as tall as the blob they make, the strokes of a letter cut apart are not (a cursive x cut
    into a 7, a 6 and its tail read as a sure 1, half as tall)."""
    if standing > 0:
        return np.full(len(boxes), standing)
    whole = uncut(start, end)
    blob = np.zeros(int(group.max()) + 1 if len(group) else 0)
    np.maximum.at(blob, group[whole], boxes[whole, 3])
    return np.where(across, blob[group], 0.0) if len(group) else np.zeros(0)
