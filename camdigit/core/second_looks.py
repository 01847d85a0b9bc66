"""Second looks at doubtful readings: the chosen crop read again, turned, as a reader tilts a page.

Two come after the model's first reading of the proposals the finder's lattice kept:

* :func:`read_upright`: on a line written at a slant (a page turned in the camera's view), a
  doubtful digit is read again turned upright by its line's slant, and the more confident
  reading is kept.
* :func:`read_tilted`: any other doubtful digit is read again turned a little either way
  (:data:`TILT`), and the digit likeliest on the mean of the three readings' probabilities is
  kept. Handwritten digits lean every way, and the model reads some leans more surely than
  others; three looks are steadier than one (the measurements behind :data:`AGAIN` and
  :data:`TILT` are in the README's measured figures and issue 12's closing notes).

And, before them, :func:`read_passed_upright`: a blob the choice did not keep whole on a line
written at a slant (passed over as no digit, or cut into pieces) is read whole again, turned
upright, and stands where it then reads a sure digit (a cut one where that beats its pieces).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from camdigit.core.classifier import Classification
from camdigit.core.crops import turned_upright
from camdigit.core.detections import Detections
from camdigit.core.faint_marks import faint
from camdigit.core.proposals import CUT_COST, reading_odds, uncut
from camdigit.core.slant import AGREE, ANCHOR, TURNED, local_slant

Classify = Callable[[list[np.ndarray]], Classification]
"""The model's reading of finder crops (dark ink on white), in one batched call."""

DOUBT = 0.99
"""A reading less confident than this is in doubt: on a slanted line it is read again upright
(the more confident reading kept). Not near-certain is doubt enough: a turned 4 read as 8 at
0.95 is a 4 upright. The near-certain ones are not looked at again: the slant is measured per
doubtful digit, which for every digit of a frame would cost more than it brings."""

AGAIN = 0.9
"""A reading less confident than this, and not read upright, is read again tilted: a small
share of the digits a page reports, a large share of them misread at first."""

TILT = 8.0
"""Degrees the crop is turned each way for :func:`read_tilted`."""


def confident(result: Classification, min_digit: float) -> np.ndarray:
    """The readings' confidences, 0 where the model judges the crop no digit (below
    ``min_digit``): the confidence filter drops it, and a track's vote counts it against its
    digit."""
    return np.where(result.is_digit >= min_digit, result.confidences, 0.0)


def read_upright(
    found: Detections,
    digits: np.ndarray,
    confidences: np.ndarray,
    was_read: np.ndarray,
    classify: Classify,
    min_digit: float,
) -> np.ndarray:
    """Read again, turned upright, the doubtful digits of lines written at a slant:
    ``digits`` and ``confidences`` take the upright reading where it is the more confident.
    A digit's slant is its line's direction to its nearest neighbours read with confidence
    (:func:`camdigit.core.slant.local_slant`). Returns which rows took the upright reading."""
    replaced = np.zeros(len(found), bool)
    if len(found) < 2:
        return replaced
    # not the marks of a textured ground, which read as some digit turned any way
    ground = faint(found.data["contrast"], confidences >= 0.5, found.data["level"], digits == 1)
    doubtful = np.flatnonzero(was_read & (confidences < DOUBT) & ~ground)
    if not len(doubtful):
        return replaced
    slant = local_slant(found.boxes, doubtful, (confidences >= ANCHOR) & ~ground)
    turned = np.abs(slant) >= TURNED  # NaN (no neighbour on its line): not turned
    if not turned.any():
        return replaced
    rows, angles = doubtful[turned].tolist(), slant[turned].tolist()
    crops = found.data["crops"]
    result = classify([turned_upright(crops[i], a) for i, a in zip(rows, angles, strict=True)])
    index = np.array(rows)
    upright = confident(result, min_digit)
    better = upright > confidences[index]
    digits[index[better]] = result.digits[better]
    confidences[index[better]] = upright[better]
    replaced[index[better]] = True
    return replaced


def read_tilted(
    crops: list[np.ndarray],
    rows: np.ndarray,
    first: np.ndarray,
    digits: np.ndarray,
    confidences: np.ndarray,
    classify: Classify,
    conf: float,
) -> None:
    """Read again the doubtful digits among ``rows`` (a mask; read, not judged no digit,
    confidence below :data:`AGAIN`), turned :data:`TILT` degrees either way, in one call.
    ``first`` holds each row's ten probabilities on its first look (N, 10). Where the mean of
    the three looks' probabilities names another digit at ``conf`` or more (the bar for
    reporting), ``digits`` and ``confidences`` take it; else the first reading stands (a mean
    below the bar would drop a digit the first reading reported)."""
    doubtful = np.flatnonzero(rows & (confidences > 0) & (confidences < AGAIN))
    if not len(doubtful):
        return
    tilts = (-TILT, TILT)
    result = classify([turned_upright(crops[i], a) for i in doubtful.tolist() for a in tilts])
    tilted = result.probabilities.reshape(len(doubtful), len(tilts), -1)
    mean = (first[doubtful] + tilted.sum(axis=1)) / (1 + len(tilts))
    likeliest = mean.argmax(axis=1)
    changed = (likeliest != digits[doubtful]) & (mean.max(axis=1) >= conf)
    digits[doubtful[changed]] = likeliest[changed]
    confidences[doubtful[changed]] = mean[changed].max(axis=1)


def read_passed_upright(
    proposals: Detections,
    keep: np.ndarray,
    read: np.ndarray,
    digits: np.ndarray,
    confidences: np.ndarray,
    probabilities: np.ndarray,
    classify: Classify,
    min_digit: float,
    scores: np.ndarray | None = None,
) -> np.ndarray:
    """The blobs the choice did not keep whole (read whole, and passed over, or, with their
    ``scores``, cut into pieces) on a line written at a slant, read again turned upright by its
    slant: a marker's 1 lying at 35 degrees is no digit to the model until it stands (the model
    learned digits turned up to 30 degrees, and a thick short stroke turned further reads as a
    dash), and a digit leaning 50 degrees, doubted whole, is cut into strokes that read as sure
    0s and 1s (an 8 as two 0s). The line's slant is told by the kept digits read at
    :data:`ANCHOR` or more (or not ``read`` again: a steady track's), not the blob's own pieces.
    Those whose upright reading is a digit at :data:`ANCHOR` or more are kept (a cut one where
    its upright reading's log-odds beat its kept pieces' as the choice weighs them,
    :func:`path_score`; its pieces dropped): ``keep``, ``digits``,
    ``confidences`` and ``probabilities`` (the first look's, per proposal) take them. Returns
    which proposals were read upright and kept."""
    stood = np.zeros(len(proposals), bool)
    group = proposals.data["group"]
    whole = uncut(proposals.data["start"], proposals.data["end"])
    cut = np.isin(group, group[keep])  # for a whole not kept: its group kept pieces of it
    passed = whole & read & ~keep
    if scores is None:  # without the choice's scores, only the blobs passed over
        passed &= ~cut
    passed = np.flatnonzero(passed)
    anchors = keep & ((confidences >= ANCHOR) | ~read)
    if not len(passed) or anchors.sum() < 2:
        return stood
    boxes = proposals.boxes
    # the line runs on at that slant between its two nearest digits: a mark beside a line (a
    # word below an upright number) sees two of the number's digits at a slant they have not;
    # a cut blob's line is its neighbours', not its own pieces'
    slant = local_slant(boxes, passed, anchors, through=True)
    for k in np.flatnonzero(cut[passed]).tolist():
        others = anchors & (group != group[passed[k]])
        slant[k] = local_slant(boxes, passed[k : k + 1], others, through=True)[0]
    turned = np.abs(slant) >= TURNED  # NaN (no neighbour on its line): not turned
    if not turned.any():
        return stood
    # ... and at the page's slant: the lines of its digits run that way (three marks may lie
    # on a diagonal of an upright page by chance)
    lines = local_slant(boxes, np.flatnonzero(anchors), anchors, through=True)
    if not np.isfinite(lines).any():
        return stood
    page = float(np.nanmedian(lines))
    along = turned & (np.abs(slant - page) <= AGREE)
    rows, angles = passed[along], (slant[along] + page) / 2
    if not len(rows):
        return stood
    crops = proposals.data["crops"]
    result = classify(
        [turned_upright(crops[i], a) for i, a in zip(rows.tolist(), angles.tolist(), strict=True)]
    )
    upright = confident(result, min_digit)
    sure = upright >= ANCHOR
    if scores is not None:  # a cut blob stands whole where its upright reading beats its pieces
        odds = reading_odds(result.is_digit * result.confidences, result.digits != 1)
        for k, row in enumerate(rows.tolist()):
            pieces = np.flatnonzero(keep & (group == group[row]))
            if len(pieces) and odds[k] <= path_score(scores[pieces]):
                sure[k] = False
            elif sure[k]:
                keep[pieces] = False
    rows = rows[sure]
    keep[rows] = stood[rows] = True
    digits[rows] = result.digits[sure]
    confidences[rows] = upright[sure]
    probabilities[rows] = result.probabilities[sure]
    return stood


def path_score(scores: np.ndarray) -> float:
    """What the choice (:func:`camdigit.core.proposals.choose`) weighs a path of pieces read
    with log-odds ``scores`` at: their sum, less :data:`~camdigit.core.proposals.CUT_COST` for
    each piece beyond the first."""
    return float(np.sum(scores)) - CUT_COST * (len(scores) - 1)
