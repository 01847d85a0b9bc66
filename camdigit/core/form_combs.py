"""A form's comb of boxes whose lines came out broken: found by its posts.

A comb printed in thin lines and seen through a webcam often loses its top or bottom line to
blur and light (broken into faint pieces), so its cells are not closed and
:mod:`camdigit.core.form_boxes` cannot find it by its holes. Its walls stay: straight upright
posts, all as tall as each other, their tops and their bottoms on a line, at a steady pitch,
and each cell between two of them holds a written digit. Left in the mask, a wall reads as a 1
and takes the digit that touches it along.

Posts are the ink that runs straight down (an opening of the mask by a vertical run); a comb
is at least :data:`MIN_POSTS` of them of one height, aligned and evenly spaced, joined along
their bottoms or their tops by a line (most of it still there), with writing in most of its
cells. A handwritten 1 is shorter than its cell or slanted, and 1s written in a row have no
digits between them and no line joining their ends at both. The posts and the lines along
their ends are erased (:func:`camdigit.core.form_boxes.erase_boxes`). Posts are looked for
straight down the columns, which finds combs within a few degrees of upright; a form turned
further (a photo taken by hand) shows its comb by its one whole end line, straight and
leaning, and is searched for around that line turned level, also where the upright search
found part of it.
"""

from __future__ import annotations

import cv2
import numpy as np

MIN_POSTS = 4
"""A comb has at least this many posts (three cells): two or three straight strokes of one
height in a row happen in handwriting (a 1 beside a 7's stem)."""

ALIGN = 0.1
"""Posts of one comb have heights, tops and bottoms within this share of their height."""

PITCH_SPREAD = 0.25
"""... and each gap between neighbouring posts within this share of the gap before it..."""

CELL_ASPECT = (0.4, 2.5)
"""... which is between these multiples of the posts' height (a cell holds one digit)."""

LINE_SHARE = 0.6
"""A line runs along the posts' bottoms or tops over at least this share of the comb's width."""

WRITTEN = 0.5
"""At least this share of the cells hold ink between their posts (a comb is filled in)."""

MAX_POST = 0.15
"""A post is at most this share of its height wide: a printed hairline (a twentieth of its
height, or a tenth blurred), not a marker's stroke."""

Segment = tuple[tuple[int, int], tuple[int, int], int]
"""A line's two ends and the width of the band to erase along it, in pixels (the forms'
lines, :func:`camdigit.core.form_boxes.erase_boxes`)."""


TILT = (3.0, 20.0)
"""A comb whose end lines lean by this many degrees (least, most) is searched for turned
upright: the upright search finds those within a few degrees; beyond the most, a form so
turned is rare, and a line that steep may be a stroke of writing."""

STRAIGHT = 0.9
"""A comb's end line is within three pixels of a straight line along this share of its length
at least (a turned form's printed line measures 0.97-1.0 in the development photos). A
digit's short edge may be as straight: the comb's own checks (posts, cells, a line along
their ends) tell it apart, around the line turned level."""


def comb_lines(
    mask: np.ndarray, min_side: int, outlines: list[np.ndarray] | None = None
) -> list[Segment]:
    """The posts and end lines of every comb in the ink ``mask`` whose cells are at least
    ``min_side`` pixels tall, as segments to erase (ends and band width): upright combs, and
    the comb hanging off each straight line that leans by :data:`TILT` degrees, searched
    around the line turned until it is level (a form photographed by hand). Both: a comb
    leaning a few degrees, its far end leaning more in perspective, is found upright only in
    part, as its leaning posts break in the columns (a webcam's form turned 4 degrees lost
    its last three cells so); a part found both ways is erased twice. ``outlines``: the
    mask's outer contours, when the caller has them."""
    found = [line for comb in _upright_combs(mask, min_side) for line in comb]
    if outlines is None:
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        outlines = list(contours)
    height, width = mask.shape
    for angle, (x, y, w, h) in _leaning_lines(mask, outlines, min_side):
        if not _posts_hang(mask[y : y + h, x : x + w], angle, min_side):
            continue  # a digit's straight edge: not worth turning the frame for
        # the line's surroundings turned level about its middle: as far again as the blob
        # along the line either side (the light may break a comb's line in two or three), and
        # a blob's height beyond the line's drift across and down
        drift = int(w * abs(np.tan(np.radians(angle)))) + 1
        x0, x1 = max(0, x - w), min(width, x + 2 * w)
        y0, y1 = max(0, y - h - drift), min(height, y + 2 * h + drift)
        region = mask[y0:y1, x0:x1]
        turn = cv2.getRotationMatrix2D((x + w / 2.0 - x0, y + h / 2.0 - y0), angle, 1.0)
        level = cv2.warpAffine(region, turn, region.shape[::-1], flags=cv2.INTER_NEAREST)
        back = cv2.invertAffineTransform(turn)
        for comb in _upright_combs(level, min_side):
            ends = np.array([line[:2] for line in comb], np.float64)
            ends = np.round(ends @ back[:, :2].T + back[:, 2]).astype(np.int64) + (x0, y0)
            # only the comb that hangs off this line: a word's letters turned upright with
            # it can pass for posts elsewhere
            xs, ys = ends[..., 0], ends[..., 1]
            if xs.max() < x or xs.min() > x + w or ys.max() < y or ys.min() > y + h:
                continue
            for (a, b), (_, _, band) in zip(ends.tolist(), comb, strict=True):
                found.append(((a[0], a[1]), (b[0], b[1]), band))
    return found


def _leaning_lines(
    mask: np.ndarray, outlines: list[np.ndarray], min_side: int
) -> list[tuple[float, tuple[int, int, int, int]]]:
    """(degrees, box) of each blob (of its ``outlines``) that may be a comb seen turned:
    at least a post (``2 * min_side``) tall, as wide as :data:`MIN_POSTS` - 1 of the narrowest
    cells of its height, and its bottom or top edge a straight line (:data:`STRAIGHT`) leaning
    by :data:`TILT` degrees: a comb's end line with the posts hanging off it (its other line
    may be broken, and the light may break the line itself in two blobs)."""
    boxes = [cv2.boundingRect(outline) for outline in outlines]
    wide = [
        box
        for box in boxes
        if box[3] >= 2 * min_side and box[2] >= (MIN_POSTS - 1) * CELL_ASPECT[0] * box[3]
    ]
    lines = []
    for x, y, w, h in wide:
        ink = mask[y : y + h, x : x + w] > 0
        inked = ink.any(axis=0)
        columns = np.flatnonzero(inked)
        bottom = h - 1 - np.argmax(ink[::-1], axis=0)[inked]
        top = np.argmax(ink, axis=0)[inked]
        across = columns - columns.mean()
        spread = float(across @ across)
        for profile in (bottom, top):
            along = profile - profile.mean()
            slope = float(across @ along) / max(spread, 1.0)  # the least-squares line
            angle = float(np.degrees(np.arctan(slope)))
            straight = (np.abs(along - slope * across) <= 3).mean() >= STRAIGHT
            if TILT[0] <= abs(angle) <= TILT[1] and straight:
                lines.append((angle, (x, y, w, h)))
                break
    return lines


def _posts_hang(blob: np.ndarray, angle: float, min_side: int) -> bool:
    """Whether at least two posts (straight, a post's height, a hairline) hang off the line of
    ``blob`` (the mask inside its box) turned ``angle`` degrees level: the cheap test before a
    comb is searched for around the line turned."""
    height, width = blob.shape
    turn = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), angle, 1.0)
    level = cv2.warpAffine(blob, turn, (width, height), flags=cv2.INTER_NEAREST)
    run = 2 * min_side
    upright = cv2.morphologyEx(level, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))
    _, _, stats, _ = cv2.connectedComponentsWithStats(upright)
    w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    return int(((h >= run) & (w <= MAX_POST * h)).sum()) >= 2


def _upright_combs(mask: np.ndarray, min_side: int) -> list[list[Segment]]:
    """The segments of each upright comb in ``mask`` (its posts straight down the columns, a
    few degrees of tilt at most), one list per comb."""
    run = 2 * min_side
    upright = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))
    outlines, _ = cv2.findContours(upright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if len(outlines) < MIN_POSTS:
        return []
    pieces = np.array([cv2.boundingRect(c) for c in outlines], np.int64).reshape(-1, 4)
    pieces = pieces[pieces[:, 2] <= MAX_POST * pieces[:, 3]]
    posts = pieces[pieces[:, 3] >= run]
    # a post with too few others of its height beside it (tops alike, as far as a comb's
    # drift along its posts takes them) is in no comb: most upright strokes of a page are 1s,
    # and they are dropped here at once
    h = posts[:, 3].astype(np.float64)
    tol = (MIN_POSTS - 1) * ALIGN * h[:, None]
    alike = (
        (np.abs(h[:, None] - h[None, :]) <= tol)
        & (np.abs(posts[:, 1][:, None] - posts[:, 1][None, :]) <= tol)
    ).sum(axis=1)
    posts = posts[alike >= MIN_POSTS]
    found: list[list[Segment]] = []
    used = np.zeros(len(posts), bool)
    # a post with no neighbour a cell away (as :func:`_comb` looks for one) starts no comb:
    # its chain of one is not built
    lone = ~_has_neighbour(posts)
    for i in np.argsort(posts[:, 3])[::-1].tolist():  # the tallest first
        if used[i]:
            continue
        if lone[i]:
            used[i] = True
            continue
        comb = _comb(posts, i, ~used)
        used[comb] = True  # a row of posts is tried once, from its tallest
        if len(comb) >= MIN_POSTS and _is_form(mask, posts[comb]):
            found.append(_segments(_with_ends(posts[comb], pieces)))
    return found


def _centres(posts: np.ndarray) -> np.ndarray:
    """(N,) float: the middle column of each of ``posts`` ((N, 4) boxes)."""
    return posts[:, 0] + posts[:, 2] / 2.0


def _has_neighbour(posts: np.ndarray) -> np.ndarray:
    """(N,) bool: which of ``posts`` have another on either side that :func:`_comb` would take
    as the next post of their row (a cell's width away, as tall, its top beside theirs)."""
    centres = _centres(posts)
    h = posts[:, 3].astype(np.float64)[:, None]
    gap = np.abs(centres[None, :] - centres[:, None])
    tol = ALIGN * h
    return (
        (gap >= CELL_ASPECT[0] * h)
        & (gap <= 2 * CELL_ASPECT[1] * h)
        & (np.abs(posts[:, 3][None, :] - h) <= tol)
        & (np.abs(posts[:, 1][None, :] - posts[:, 1][:, None]) <= tol)
    ).any(axis=1)


def _comb(posts: np.ndarray, first: int, free: np.ndarray) -> np.ndarray:
    """The posts of an evenly spaced row through post ``first``, left to right, each as tall
    as its neighbour, with its top and bottom beside the neighbour's (a comb seen a little
    turned or in perspective drifts along its length), one post at most missing between two
    (a post broken by the light); a comb where :data:`MIN_POSTS` or more."""
    order = np.flatnonzero(free)
    order = order[np.argsort(posts[order, 0])]
    centres = _centres(posts)
    chain = [first]
    for step in (1, -1):  # to the right, then to the left
        pitch = 0.0
        while True:
            last = chain[-1] if step == 1 else chain[0]
            _, y, _, h = posts[last]
            tol = ALIGN * h
            gap = (centres[order] - centres[last]) * step
            near = order[
                (gap >= CELL_ASPECT[0] * h)
                & (gap <= 2 * CELL_ASPECT[1] * h)
                & (np.abs(posts[order, 3] - h) <= tol)
                & (np.abs(posts[order, 1] - y) <= tol)
            ]
            if not len(near):
                break
            nxt = int(near[np.argmin(np.abs(centres[near] - centres[last]))])
            span = abs(centres[nxt] - centres[last])
            if pitch:
                whole = round(span / pitch)
                if whole not in (1, 2) or abs(span - whole * pitch) > PITCH_SPREAD * pitch:
                    break
                pitch = span / whole  # the pitch here: a comb in perspective narrows
            elif span > CELL_ASPECT[1] * h:
                break  # the first gap must be one cell
            else:
                pitch = span
            chain = chain + [nxt] if step == 1 else [nxt, *chain]
    return np.array(chain)


def _with_ends(posts: np.ndarray, pieces: np.ndarray) -> np.ndarray:
    """A comb's posts with its end walls where the light broke them: the upright pieces a pitch
    beyond its first or last post, within its height, taken as a post from its top to its
    bottom line."""
    centres = _centres(posts)
    pitch = float(np.min(np.diff(centres)))
    middles = _centres(pieces)
    rows = list(posts)
    for end, side in ((posts[-1], 1), (posts[0], -1)):
        x, y, w, h = end
        near = (
            (np.abs(middles - (x + w / 2.0 + side * pitch)) <= PITCH_SPREAD * pitch)
            & (pieces[:, 1] >= y - ALIGN * h)
            & (pieces[:, 1] + pieces[:, 3] <= y + h + ALIGN * h)
        )
        if near.any():
            found = pieces[near]
            middle = int(np.median(_centres(found)))
            wall = np.array([middle - int(w) // 2, y, w, h])
            rows = [*rows, wall] if side == 1 else [wall, *rows]
    return np.array(rows)


def _is_form(mask: np.ndarray, posts: np.ndarray) -> bool:
    """Whether a row of posts is a comb: standing alone (its ink reaches no further than a
    digit sticking out of it: not the columns of a grid, a table or a ruled page), a line
    along their bottoms or tops, writing in most of its cells."""
    centres = _centres(posts).astype(np.int64)
    tops, bottoms = posts[:, 1], posts[:, 1] + posts[:, 3] - 1
    if not _alone(mask, posts):
        return False
    columns = np.arange(int(centres[0]), int(centres[-1]) + 1)
    lined = False
    for ends in (bottoms, tops):
        rows = np.round(np.interp(columns, centres, ends)).astype(np.int64)
        band = np.stack([np.clip(rows + d, 0, mask.shape[0] - 1) for d in (-2, -1, 0, 1, 2)])
        lined |= bool((mask[band, columns] > 0).any(axis=0).mean() >= LINE_SHARE)
    if not lined:
        return False
    written = 0
    margin = 2 * int(posts[:, 2].max()) + 1  # clear of the lines, a line's width and more
    for k in range(len(posts) - 1):
        x0, x1 = int(posts[k, 0] + posts[k, 2]) + margin, int(posts[k + 1, 0]) - margin
        y0 = int(max(tops[k], tops[k + 1])) + margin
        y1 = int(min(bottoms[k], bottoms[k + 1])) - margin
        if x1 > x0 and y1 > y0:
            cell = mask[y0:y1, x0:x1]
            written += int(cv2.countNonZero(cell) >= 0.02 * cell.size)
    return written >= WRITTEN * (len(posts) - 1)


def _alone(mask: np.ndarray, posts: np.ndarray) -> bool:
    """Whether the ink joined to a row of posts stays within half their height above and below
    the row (along it, a comb's broken end goes on)."""
    x0, y0 = int(posts[:, 0].min()), int(posts[:, 1].min())
    x1 = int((posts[:, 0] + posts[:, 2]).max())
    y1 = int((posts[:, 1] + posts[:, 3]).max())
    reach = (y1 - y0) // 2 + 2
    height, width = mask.shape
    top, left = max(0, y0 - reach), max(0, x0 - reach)
    window = mask[top : min(height, y1 + reach), left : min(width, x1 + reach)]
    _, labels = cv2.connectedComponents(window)
    joined = np.unique(labels[posts[:, 1] - top + posts[:, 3] // 2, posts[:, 0] - left])
    joined = joined[joined > 0]
    return not np.isin(np.concatenate([labels[0], labels[-1]]), joined).any()


def _segments(posts: np.ndarray) -> list[Segment]:
    """The posts, and the lines along their tops and bottoms, each with a band a pixel wider
    than a post either side."""
    band = int(np.median(posts[:, 2])) + 2 | 1
    out: list[Segment] = []
    centres = _centres(posts).astype(np.int64)
    pitch = float(np.min(np.diff(centres)))
    for k, (_, y, _, h) in enumerate(posts.tolist()):
        out.append(((int(centres[k]), y), (int(centres[k]), y + h - 1), band))
        if k + 1 < len(posts) and centres[k + 1] - centres[k] > 1.5 * pitch:
            # a post missing between two (broken by the light): erased where it would be
            mid = (posts[k] + posts[k + 1]) // 2
            centre = int(centres[k] + centres[k + 1]) // 2
            out.append(((centre, int(mid[1])), (centre, int(mid[1] + mid[3] - 1)), band))
    (x0, top0, _, h0), (x1, top1, w1, h1) = posts[0].tolist(), posts[-1].tolist()
    out.append(((x0, top0), (x1 + w1 - 1, top1), band))  # along the tops
    out.append(((x0, top0 + h0 - 1), (x1 + w1 - 1, top1 + h1 - 1), band))  # the bottoms
    return out
