"""Finding handwritten digits in a frame: ink threshold, contours, filters, stroke merging, crops.

The steps, per frame (all of them plain OpenCV, a millisecond or two for 960x720):

1. **Ink**: the paper's brightness is estimated on a small copy of the frame with a max filter
   wider than any pen stroke, so ink disappears from it; a pixel is ink when it is clearly darker
   than the paper around it (a ratio and an absolute margin). Uneven light, soft shadows and a
   grey or cream page all divide out: only local contrast counts.
2. **Contours**: external contours of the ink mask, each with its bounding box.
3. **Lines**: a contour far longer than any digit (a ruled line, the page's edge, a margin line)
   is erased from the mask with a directional opening, and the strokes that crossed it are
   mended, so a digit written across a line is still found.
4. **Merging**: parts of one digit (a 5 whose bar floats free, a 4 or 7 in two strokes, a stroke
   cut by a line) are joined when they overlap horizontally and are close vertically; digits side
   by side in a number never overlap horizontally, so they stay apart.
5. **Filters**: size for the frame, aspect ratio, ink density, not touching the frame's border.
6. **Crops**: each digit's own ink (its filled contours) on white; everything else in its box,
   a neighbour's stroke or a line, is blanked, ready for :func:`camdigit.preprocess.normalize_digit`
   with ``ink="dark"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from camdigit.detections import clip_boxes, scale_boxes
from camdigit.images import to_bgr8

CROP_PAD = 2
"""Paper kept around a digit's box in its crop, in pixels."""

_GROW = np.ones((3, 3), np.uint8)

_BLOCK = 256
"""Rows per block of the pairwise box comparisons (bounds their memory on cluttered frames)."""


@dataclass(frozen=True)
class FinderConfig:
    """Thresholds of the digit finder; sizes are fractions of the frame's shorter side."""

    ink_ratio: float = 0.77  # ink is darker than this fraction of the paper around it
    faint_ratio: float = 0.86  # ... and a stroke goes on while darker than this
    ink_margin: int = 14  # ... and darker by at least this many grey levels (noise, dark desks)
    min_height: float = 0.018  # smallest digit height (and never under min_height_px)
    min_height_px: int = 9
    max_height: float = 0.45  # tallest digit height
    min_aspect: float = 0.06  # width / height (a "1" is thin)
    max_aspect: float = 2.0
    max_fill: float = 0.75  # ink area / box area, for blobs wider than half their height
    min_fill: float = 0.06
    min_stroke: float = 0.05  # mean stroke width / height: thinner is a line or a crease
    merge_gap: float = 0.3  # vertical gap between parts of one digit, fraction of its height
    merge_overlap: float = 0.45  # horizontal overlap of parts of one digit, fraction of narrower
    dim_paper: float = 0.6  # paper darker than this share of the page's brightest is "dim"...
    dim_ink: float = 0.45  # ... (a desk, a deep shadow): there ink must be darker than this
    line_side: float = 0.25  # straight runs this long (of the shorter side) in a blob larger
    # than any digit (longer than max_height) are lines: ruled lines, a grid, the page's edge
    paper_window: float = 0.05  # closing width for the paper estimate (wider than a stroke)
    max_digits: int = 300  # at most this many digits per frame (noise must not flood the output)
    max_ink: float = 0.35  # a frame more than this share "ink" is no page (noise, dark scene)
    ring: float = 0.3  # the band around a digit, as a share of its height...
    max_ring_ink: float = 0.22  # ... holds at most this share of ink: digits sit on paper
    busy_frame: float = 0.042  # a frame whose ground varies more than this (robust spread of
    # grey over paper level) is noise, fabric or gravel, not paper: there only marks darker
    # than faint_mark of the paper count as ink (pages on a desk measure up to 0.036, noise
    # from 0.047)
    faint_mark: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.ink_ratio < 1:
            raise ValueError(f"ink_ratio must be in (0, 1), got {self.ink_ratio}")
        if self.min_aspect >= self.max_aspect or self.min_fill >= self.max_fill:
            raise ValueError("min_aspect/min_fill must be below max_aspect/max_fill")
        if self.max_digits < 1:
            raise ValueError(f"max_digits must be at least 1, got {self.max_digits}")


@dataclass(frozen=True)
class FoundDigits:
    """Digits found in one frame: boxes and the crops to classify, row for row."""

    boxes: np.ndarray  # (N, 4) int32 x, y, w, h in the finder's input pixels
    crops: list[np.ndarray] = field(repr=False)  # N uint8 grey crops: dark ink, white around it

    def __len__(self) -> int:
        return len(self.boxes)

    def scaled(self, factor: float, width: int, height: int) -> FoundDigits:
        """Boxes in a frame ``factor`` times larger, of ``width`` x ``height`` pixels."""
        return FoundDigits(clip_boxes(scale_boxes(self.boxes, factor), width, height), self.crops)


def to_gray(frame: np.ndarray) -> np.ndarray:
    """A camera frame (BGR, BGRA or grayscale; 8 or 16 bit, or float) as 8-bit grayscale."""
    if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] not in (1, 3, 4)):
        raise ValueError(f"a frame must be grayscale or BGR(A), got shape {frame.shape}")
    image = to_bgr8(frame)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


class DigitFinder:
    """Finds digit-like ink blobs in frames and cuts a clean crop of each."""

    def __init__(self, config: FinderConfig | None = None) -> None:
        self.config = config or FinderConfig()

    def find(self, frame: np.ndarray) -> FoundDigits:
        """Find the digits in one frame (BGR or grayscale)."""
        gray = to_gray(frame)
        height, width = gray.shape
        if min(height, width) < 8:
            return FoundDigits(np.zeros((0, 4), np.int32), [])
        cfg = self.config
        short = min(height, width)
        ink = ink_mask(gray, cfg)
        mask, paper, step = ink.mask, ink.paper, ink.step
        if cv2.countNonZero(mask) > cfg.max_ink * mask.size:
            return FoundDigits(np.zeros((0, 4), np.int32), [])
        contours = _outer_contours(mask)
        boxes = _boxes(contours)
        min_h = max(cfg.min_height_px, cfg.min_height * short)
        max_h = cfg.max_height * short
        if (boxes[:, 2:] > max_h).any():
            mask = erase_lines(mask, _line_outlines(mask, max_h), round(cfg.line_side * short))
            contours = _outer_contours(mask)
            boxes = _boxes(contours)

        # Specks far below a digit's size cannot help build one, and what is larger than any
        # digit (what is left of a line, a page edge) must not swallow the digits near it.
        longest = np.maximum(boxes[:, 2], boxes[:, 3])
        parts = np.flatnonzero(
            (longest >= max(2.0, min_h * 0.2))
            & (boxes[:, 3] <= max_h)
            & (boxes[:, 2] <= max_h * cfg.max_aspect)
        )
        if len(parts) > 4 * cfg.max_digits:  # clutter: keep the largest blobs
            parts = parts[np.argsort(-(boxes[parts, 2] * boxes[parts, 3]))[: 4 * cfg.max_digits]]
        group = merge_parts(boxes[parts], cfg.merge_gap, cfg.merge_overlap, cfg.max_aspect)
        digit_boxes = _group_boxes(boxes[parts], group)
        x, y, w, h = digit_boxes.T
        plausible = np.flatnonzero(
            (h >= min_h) & (h <= max_h)
            & (w >= cfg.min_aspect * h) & (w <= cfg.max_aspect * h)
            # cut by the frame's border: not a whole digit
            & (x > 0) & (y > 0) & (x + w < width) & (y + h < height)
        )
        owner = np.full(len(boxes), -1, np.int64)
        owner[parts] = group
        crowded = _crowded(digit_boxes[plausible], boxes, owner, plausible)

        grown = cv2.dilate(mask, _GROW)  # the soft edge of every stroke, in one pass
        found_boxes, crops = [], []
        for k, g in enumerate(plausible):
            box = digit_boxes[g]
            own = [contours[i] for i in parts[group == g]] if crowded[k] else None
            crop, ink_area = _cut_crop(gray, mask, grown, box, own, paper, step)
            bw, bh = int(box[2]), int(box[3])
            fill = ink_area / float(bw * bh)
            if fill < cfg.min_fill or (fill > cfg.max_fill and bw > bh / 2):
                continue
            # Stroke width: ink area over the ink's length, which is at least the box's longer
            # side. A pen stroke is about a tenth of the digit's height; a faint ruled or margin
            # line breaking into dashes, or a crease, is a pixel or two at any length.
            if ink_area < cfg.min_stroke * max(bw, bh) ** 2:
                continue
            # Handwriting sits on paper: the band around a digit is nearly clean (a neighbour's
            # edge at most). Noise and texture crowd it.
            grow = round(cfg.ring * bh)
            if _ring_ink(mask, box, grow) > cfg.max_ring_ink:
                continue
            if ink.texture > cfg.busy_frame and crop.min() > cfg.faint_mark * 255:
                continue
            found_boxes.append(box)
            crops.append(crop)
            if len(found_boxes) >= cfg.max_digits:
                break
        if not found_boxes:
            return FoundDigits(np.zeros((0, 4), np.int32), [])
        return FoundDigits(np.array(found_boxes, np.int32), crops)


@dataclass(frozen=True)
class InkMap:
    """The ink of one frame, and the paper it was measured against."""

    mask: np.ndarray  # (H, W) uint8, 255 where there is ink
    paper: np.ndarray  # paper level at 1/step resolution
    step: int
    bright: float  # the level of the well-lit page
    texture: float  # how much the ground varies: robust spread of grey / paper level


def ink_mask(gray: np.ndarray, cfg: FinderConfig) -> InkMap:
    """Find the ink of a grayscale frame against the paper around it.

    The paper level is a closing (max, then min filter, wider than a pen stroke) of a copy shrunk
    by ``step``: strokes vanish from it, but the edge of anything wider than the window stays,
    like the page's edge on a desk, so the desk is compared with the desk, not with the page. The
    threshold maps are made at that small size and scaled up, which costs far less than filtering
    the full frame.

    Ink is what is darker than ``ink_ratio`` of the paper (and ``ink_margin`` levels), plus what is
    darker than ``faint_ratio`` within two pixels of it: a grainy pencil stroke dips above the
    first level here and there and would fall apart without the second, while a faint ruled
    line away from any ink stays out. Where the paper is dim (a desk, a deep shadow: below
    ``dim_paper`` of the well-lit page), only marks darker than ``dim_ink`` count: wood grain and
    the texture of a dark surface are faint marks on a dim ground, real ink is not.
    """
    height, width = gray.shape
    step = max(1, min(height, width) // 160)
    small = cv2.resize(gray, (max(1, width // step), max(1, height // step)),
                       interpolation=cv2.INTER_AREA)
    side = max(3, int(round(cfg.paper_window * min(height, width) / step)) | 1)
    window = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    paper = cv2.blur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, window), (3, 3))
    bright = _bright_level(paper)
    dim = paper < cfg.dim_paper * bright
    level = paper.astype(np.float32)
    masks = []
    for ratio, dim_ratio in ((cfg.ink_ratio, cfg.dim_ink), (cfg.faint_ratio, cfg.dim_ink + 0.1)):
        threshold = np.minimum(level * ratio, level - cfg.ink_margin)
        threshold = np.where(dim, level * dim_ratio, threshold)
        # Where the paper's level drops (the page's edge on a desk), follow the darker side:
        # the scaled-up map would otherwise pass through in-between levels, and the desk just
        # beside the page would read as a line of ink.
        threshold = cv2.erode(threshold, _GROW)
        threshold = cv2.resize(np.clip(threshold, 0, 255).astype(np.uint8), (width, height),
                               interpolation=cv2.INTER_LINEAR)
        masks.append(cv2.compare(gray, threshold, cv2.CMP_LT))
    dark, faint = masks
    near_dark = cv2.dilate(dark, np.ones((5, 5), np.uint8))
    mask = cv2.bitwise_or(dark, cv2.bitwise_and(faint, near_dark))
    # Grey sampled (not averaged) at the paper map's grid keeps the frame's fine texture.
    sampled = gray[::step, ::step][: paper.shape[0], : paper.shape[1]]
    return InkMap(mask, paper, step, bright, _texture(sampled, paper))


def erase_lines(mask: np.ndarray, outlines: list[np.ndarray], length: int) -> np.ndarray:
    """Erase the straight lines (ruled lines, a grid, the page's edge) that border ``outlines``.

    The outlines (outer and hole contours of blobs larger than any digit) are simplified to
    polygons; every polygon side longer than ``length`` runs along a straight line, at any tilt,
    and a band along it is erased. A closing then mends, inside the erased band only, the
    strokes of digits that crossed or touched the line.
    """
    erase = np.zeros_like(mask)
    for outline in outlines:
        polygon = cv2.approxPolyDP(outline, 2.0, True)[:, 0, :]
        ends = np.roll(polygon, -1, axis=0)
        sides = np.hypot(*(ends - polygon).T)
        for start, end in zip(polygon[sides >= length], ends[sides >= length], strict=True):
            cv2.line(erase, (int(start[0]), int(start[1])), (int(end[0]), int(end[1])), 255, 5)
    kept = cv2.bitwise_and(mask, cv2.bitwise_not(erase))
    mended = cv2.morphologyEx(kept, cv2.MORPH_CLOSE,
                              cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
    return cv2.bitwise_or(kept, cv2.bitwise_and(mended, erase))


def merge_parts(
    boxes: np.ndarray, gap: float, overlap: float, max_aspect: float = 2.0
) -> np.ndarray:
    """Group the boxes that are parts of one digit; returns a group number per box.

    Two parts belong together when they overlap horizontally by at least ``overlap`` of the
    narrower one and the vertical gap between them is at most ``gap`` of the taller one's
    height (one part inside the other is a case of this). Digits of a number stand side by side
    with little horizontal overlap, so they are never joined.
    """
    n = len(boxes)
    b = boxes.astype(np.float32)
    x0, y0, w, h = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    x1, y1 = x0 + w, y0 + h
    area = w * h
    wide = w > max_aspect * h
    firsts, seconds = [], []
    # Rows in blocks, so a frame with thousands of blobs (noise) costs megabytes, not gigabytes.
    for start in range(0, n, _BLOCK):
        i = slice(start, min(n, start + _BLOCK))
        x_overlap = np.minimum(x1[i, None], x1) - np.maximum(x0[i, None], x0)
        v_gap = np.maximum(y0[i, None], y0) - np.minimum(y1[i, None], y1)
        linked = (x_overlap >= overlap * np.minimum(w[i, None], w)) & (
            v_gap <= gap * np.maximum(h[i, None], h)
        )
        # A part much wider than tall that holds the other (a frame drawn around a number, a
        # leftover of a line) is not the other's stroke: it must not swallow it.
        linked &= ~np.where(area[i, None] >= area, wide[i, None], wide)
        rows, cols = np.nonzero(linked)
        upper = cols > rows + start
        firsts.append(rows[upper] + start)
        seconds.append(cols[upper])
    if n == 0:
        return np.zeros(0, np.int64)
    return _union_find(n, np.concatenate(firsts), np.concatenate(seconds))


def _union_find(n: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Connected groups of ``n`` items joined by the pairs (first[k], second[k]), numbered 0.."""
    root = np.arange(n)

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    for a, b in zip(first.tolist(), second.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            root[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(i) for i in range(n)])
    return np.unique(roots, return_inverse=True)[1]


def _group_boxes(boxes: np.ndarray, group: np.ndarray) -> np.ndarray:
    """The union box of each group's parts, in group order."""
    count = int(group.max()) + 1 if len(group) else 0
    x0 = np.full(count, np.iinfo(np.int32).max, np.int64)
    y0 = x0.copy()
    x1 = np.zeros(count, np.int64)
    y1 = x1.copy()
    np.minimum.at(x0, group, boxes[:, 0])
    np.minimum.at(y0, group, boxes[:, 1])
    np.maximum.at(x1, group, boxes[:, 0] + boxes[:, 2])
    np.maximum.at(y1, group, boxes[:, 1] + boxes[:, 3])
    return np.stack([x0, y0, x1 - x0, y1 - y0], axis=1).astype(np.int32)


def _crowded(digit_boxes: np.ndarray, blob_boxes: np.ndarray, owner: np.ndarray,
             groups: np.ndarray) -> np.ndarray:
    """For each digit box (of group ``groups[k]``): does another blob reach into its crop?

    ``owner`` is the group of every blob (-1 for specks and lines, which are foreign to all).
    A digit alone in its crop can take the ink mask as it is; a crowded one must be cut out
    along its own contours.
    """
    crowded = np.zeros(len(digit_boxes), bool)
    b = blob_boxes.astype(np.int64)[None]
    for start in range(0, len(digit_boxes), _BLOCK):
        rows = slice(start, start + _BLOCK)
        d = digit_boxes[rows].astype(np.int64)[:, None]
        reach = (
            (b[..., 0] < d[..., 0] + d[..., 2] + CROP_PAD)
            & (b[..., 0] + b[..., 2] > d[..., 0] - CROP_PAD)
            & (b[..., 1] < d[..., 1] + d[..., 3] + CROP_PAD)
            & (b[..., 1] + b[..., 3] > d[..., 1] - CROP_PAD)
        )
        crowded[rows] = (reach & (owner[None] != groups[rows, None])).any(axis=1)
    return crowded


def _outer_contours(mask: np.ndarray) -> list[np.ndarray]:
    """The outer contour of every blob, also of blobs inside another's hole (a number written
    inside a drawn frame, or inside the ring a page's edge makes on a desk)."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    return [contours[i] for i in np.flatnonzero(hierarchy[0][:, 3] < 0)]


def _line_outlines(mask: np.ndarray, longest: float) -> list[np.ndarray]:
    """Outer and hole contours of every blob longer than ``longest`` pixels, either way.

    Holes matter: a page outline on a desk is a ring whose inner edge is a line too (and the
    digits inside it are blobs of their own, not part of it).
    """
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    parents = hierarchy[0][:, 3]
    boxes = _boxes(list(contours))
    long = (boxes[:, 2:] > longest).any(axis=1)
    long_outer = long & (parents < 0)
    chosen = long_outer | ((parents >= 0) & long_outer[np.maximum(parents, 0)])
    return [contours[i] for i in np.flatnonzero(chosen)]


def _boxes(contours: list[np.ndarray]) -> np.ndarray:
    if not contours:
        return np.zeros((0, 4), np.int32)
    return np.array([cv2.boundingRect(c) for c in contours], np.int32).reshape(-1, 4)


def _cut_crop(
    gray: np.ndarray,
    mask: np.ndarray,
    grown: np.ndarray,
    box: np.ndarray,
    contours: list[np.ndarray] | None,
    paper: np.ndarray,
    step: int,
) -> tuple[np.ndarray, int]:
    """The digit's own ink on white with a small margin, and its ink pixel count.

    The ink is the mask grown by one pixel (``grown``: the soft edge of the stroke), limited to
    the digit's filled ``contours`` when other blobs reach into the box (None: none do). Everything
    else is set to white, and grey levels are divided by the paper's level at the digit, so
    the crop's contrast does not depend on the light.
    """
    x, y, w, h = (int(v) for v in box)
    height, width = gray.shape
    x0, y0 = max(0, x - CROP_PAD), max(0, y - CROP_PAD)
    x1, y1 = min(width, x + w + CROP_PAD), min(height, y + h + CROP_PAD)
    ink = mask[y0:y1, x0:x1]
    if contours is None:
        keep = grown[y0:y1, x0:x1]
    else:
        shape = np.zeros(ink.shape, np.uint8)
        cv2.drawContours(shape, contours, -1, 255, thickness=cv2.FILLED, offset=(-x0, -y0))
        ink = cv2.bitwise_and(ink, shape)
        keep = cv2.dilate(ink, _GROW)
    ink_area = cv2.countNonZero(ink)
    level = _paper_at(paper, step, box)
    scaled = cv2.convertScaleAbs(gray[y0:y1, x0:x1], alpha=255.0 / max(level, 1.0))
    crop = np.full(ink.shape, 255, np.uint8)
    cv2.copyTo(scaled, keep, crop)
    return crop, ink_area


def _paper_at(paper: np.ndarray, step: int, box: np.ndarray) -> float:
    """The paper level at the centre of ``box`` (frame pixels) from the shrunk paper map."""
    x, y, w, h = (int(v) for v in box)
    return float(paper[min(paper.shape[0] - 1, (y + h // 2) // step),
                       min(paper.shape[1] - 1, (x + w // 2) // step)])


def _texture(sampled: np.ndarray, paper: np.ndarray) -> float:
    """How busy the frame's ground is: the median absolute deviation (scaled to a standard
    deviation) of grey over the paper level, on every third point of the paper grid. Robust,
    so ink, ruled lines and the page's edge, a small share of the pixels, barely count;
    texture all over the frame (noise, fabric, gravel) does."""
    ratio = sampled[::3, ::3].astype(np.float32) / np.maximum(
        paper[: sampled.shape[0] : 3, : sampled.shape[1] : 3], 1
    ).astype(np.float32)
    middle = np.median(ratio)
    return 1.4826 * float(np.median(np.abs(ratio - middle)))


def _ring_ink(mask: np.ndarray, box: np.ndarray, grow: int) -> float:
    """Share of ink in the band ``grow`` pixels wide around ``box`` (inside the frame)."""
    x, y, w, h = (int(v) for v in box)
    height, width = mask.shape
    x0, y0 = max(0, x - grow), max(0, y - grow)
    x1, y1 = min(width, x + w + grow), min(height, y + h + grow)
    band = (x1 - x0) * (y1 - y0) - w * h
    if band <= 0:
        return 0.0
    inside = cv2.countNonZero(mask[y : y + h, x : x + w])
    return (cv2.countNonZero(mask[y0:y1, x0:x1]) - inside) / band


def _bright_level(paper: np.ndarray) -> float:
    """The level of the brightest tenth of the paper estimate: the well-lit page."""
    counts = np.bincount(paper.ravel(), minlength=256)
    above = np.cumsum(counts[::-1])
    return float(255 - np.searchsorted(above, 0.1 * counts.sum()))
