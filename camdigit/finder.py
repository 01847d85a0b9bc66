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

from camdigit.detections import scale_boxes


@dataclass(frozen=True)
class FinderConfig:
    """Thresholds of the digit finder; sizes are fractions of the frame's shorter side."""

    ink_ratio: float = 0.72  # ink is darker than this fraction of the paper around it
    faint_ratio: float = 0.82  # ... and a stroke goes on while darker than this
    ink_margin: int = 14  # ... and darker by at least this many grey levels (noise, dark desks)
    min_height: float = 0.014  # smallest digit height (and never under min_height_px)
    min_height_px: int = 9
    max_height: float = 0.45  # tallest digit height
    min_aspect: float = 0.06  # width / height (a "1" is thin)
    max_aspect: float = 2.0
    max_fill: float = 0.75  # ink area / box area for digits wider than a third of their height
    min_fill: float = 0.06
    min_stroke: float = 0.04  # mean stroke width / height: thinner is a line or a crease
    merge_gap: float = 0.3  # vertical gap between parts of one digit, fraction of its height
    merge_overlap: float = 0.45  # horizontal overlap of parts of one digit, fraction of narrower
    dim_paper: float = 0.6  # paper darker than this share of the page's brightest is "dim"...
    dim_ink: float = 0.45  # ... (a desk, a deep shadow): there ink must be darker than this
    line_length: float = 0.25  # a contour this much longer than the frame's side is a line
    paper_window: float = 0.035  # max-filter width for the paper estimate (wider than a stroke)
    max_digits: int = 300  # at most this many digits per frame (noise must not flood the output)

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

    def scaled(self, factor: float) -> FoundDigits:
        return FoundDigits(scale_boxes(self.boxes, factor), self.crops)


def to_gray(frame: np.ndarray) -> np.ndarray:
    """A camera frame (BGR, BGRA or grayscale; 8 or 16 bit) as 8-bit grayscale."""
    if frame.dtype == np.uint16:
        frame = (frame >> 8).astype(np.uint8)
    elif frame.dtype != np.uint8:
        frame = cv2.convertScaleAbs(frame.astype(np.float32), alpha=255.0)
    if frame.ndim == 2:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 1:
        return frame[:, :, 0]
    if frame.ndim == 3 and frame.shape[2] == 3:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    raise ValueError(f"a frame must be grayscale or BGR(A), got shape {frame.shape}")


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
        mask, paper, step = ink_mask(
            gray, cfg.ink_ratio, cfg.faint_ratio, cfg.ink_margin, cfg.paper_window
        )
        contours, holes = _contours(mask)
        boxes = _boxes(contours)
        long_line = (boxes[:, 2] > cfg.line_length * width) | (
            boxes[:, 3] > cfg.line_length * height
        )
        if long_line.any():
            outlines = [c for c, long in zip(contours, long_line, strict=True) if long]
            outlines += [h for i in np.flatnonzero(long_line) for h in holes.get(int(i), [])]
            mask = erase_lines(mask, outlines, round(cfg.line_length * short * 0.5))
            contours, _ = _contours(mask)
            boxes = _boxes(contours)

        min_h = max(cfg.min_height_px, cfg.min_height * short)
        max_h = cfg.max_height * short
        # Specks far below a digit's size cannot help build one, and what is larger than any
        # digit (what is left of a line, a page edge) must not swallow the digits near it.
        longest = np.maximum(boxes[:, 2], boxes[:, 3])
        keep = np.flatnonzero(
            (longest >= max(2.0, min_h * 0.2))
            & (boxes[:, 3] <= max_h)
            & (boxes[:, 2] <= max_h * cfg.max_aspect)
        )
        if len(keep) > 20 * cfg.max_digits:
            keep = keep[np.argsort(-(boxes[keep, 2] * boxes[keep, 3]))[: 20 * cfg.max_digits]]
        contours = [contours[i] for i in keep]
        boxes = boxes[keep]
        groups = merge_parts(boxes, cfg.merge_gap, cfg.merge_overlap)
        bright_paper = _bright_level(paper)

        found_boxes, crops = [], []
        for members in groups:
            box = _union(boxes[members])
            x, y, w, h = box
            if not (min_h <= h <= max_h and cfg.min_aspect <= w / h <= cfg.max_aspect):
                continue
            if x <= 0 or y <= 0 or x + w >= width or y + h >= height:
                continue  # cut by the frame's border: not a whole digit
            crop, ink_area, level = _cut_crop(gray, mask, box, [contours[i] for i in members],
                                              paper, step)
            fill = ink_area / float(w * h)
            if fill < cfg.min_fill or (fill > cfg.max_fill and w > h / 3):
                continue
            # Mean stroke width: twice the ink area over the outline's length. A pen stroke is
            # about a tenth of the digit's height; a faint ruled or margin line breaking into
            # dashes, or a crease, is a pixel or two at any length.
            outline = sum(cv2.arcLength(contours[i], True) for i in members)
            if 2.0 * ink_area / max(outline, 1.0) < cfg.min_stroke * h:
                continue
            # Wood grain on a desk, or the texture of a dark surface, is faint marks on a dim
            # background; real ink stays dark against even a shadowed page.
            if level < cfg.dim_paper * bright_paper and crop.min() > cfg.dim_ink * 255:
                continue
            found_boxes.append(box)
            crops.append(crop)
            if len(found_boxes) >= cfg.max_digits:
                break
        if not found_boxes:
            return FoundDigits(np.zeros((0, 4), np.int32), [])
        return FoundDigits(np.array(found_boxes, np.int32), crops)


def ink_mask(
    gray: np.ndarray, ratio: float, faint_ratio: float, margin: int, window: float
) -> tuple[np.ndarray, np.ndarray, int]:
    """Ink pixels (255) of a grayscale frame, and the paper level at 1/``step`` resolution.

    The paper level is a closing (dark ink removed) of a copy shrunk by ``step``, smoothed;
    the threshold maps (``min(paper * ratio, paper - margin)``) are made at that small size and
    scaled up, which costs far less than filtering the full frame.

    Ink is what is darker than ``ratio`` of the paper, plus what is darker than ``faint_ratio``
    within two pixels of it: a grainy pencil stroke dips above the first level here and there,
    and would fall apart without the second; a faint ruled line far from any ink stays out.
    """
    height, width = gray.shape
    step = max(1, min(height, width) // 160)
    small = cv2.resize(gray, (max(1, width // step), max(1, height // step)),
                       interpolation=cv2.INTER_AREA)
    side = max(3, int(round(window * min(height, width) / step)) | 1)
    # A closing (max, then min filter) removes strokes narrower than the window but keeps the
    # edge of anything wider, like the page's edge on a desk: the desk is compared with the
    # desk, not with the page beside it.
    window_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, window_kernel)
    paper = cv2.blur(paper, (3, 3))
    masks = []
    for level in (ratio, faint_ratio):
        threshold = np.minimum(cv2.convertScaleAbs(paper, alpha=level), cv2.subtract(paper, margin))
        threshold = cv2.resize(threshold, (width, height), interpolation=cv2.INTER_LINEAR)
        masks.append(cv2.compare(gray, threshold, cv2.CMP_LT))
    dark, faint = masks
    near_dark = cv2.dilate(dark, np.ones((5, 5), np.uint8))
    return cv2.bitwise_or(dark, cv2.bitwise_and(faint, near_dark)), paper, step


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


def merge_parts(boxes: np.ndarray, gap: float, overlap: float) -> list[np.ndarray]:
    """Group boxes that are parts of one digit; returns index arrays, one per group.

    Two parts belong together when they overlap horizontally by at least ``overlap`` of the
    narrower one and the vertical gap between them is at most ``gap`` of the taller one's
    height, or when one lies inside the other. Digits of a number stand side by side with little
    horizontal overlap, so they are never joined.
    """
    n = len(boxes)
    if n == 0:
        return []
    b = boxes.astype(np.float64)
    x0, y0, w, h = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    x1, y1 = x0 + w, y0 + h
    x_overlap = np.minimum(x1[:, None], x1[None]) - np.maximum(x0[:, None], x0[None])
    narrower = np.minimum(w[:, None], w[None])
    v_gap = np.maximum(y0[:, None], y0[None]) - np.minimum(y1[:, None], y1[None])
    # Parts of a digit have similar height scales: the taller part sets the allowed gap.
    taller = np.maximum(h[:, None], h[None])
    linked = (x_overlap >= overlap * narrower) & (v_gap <= gap * taller)
    inside = (
        (x0[:, None] >= x0[None]) & (x1[:, None] <= x1[None])
        & (y0[:, None] >= y0[None]) & (y1[:, None] <= y1[None])
    )
    linked |= inside | inside.T
    np.fill_diagonal(linked, False)
    return _connected_groups(linked)


def _connected_groups(linked: np.ndarray) -> list[np.ndarray]:
    n = len(linked)
    group = np.full(n, -1)
    groups = []
    for start in range(n):
        if group[start] >= 0:
            continue
        stack, members = [start], []
        group[start] = len(groups)
        while stack:
            i = stack.pop()
            members.append(i)
            for j in np.flatnonzero(linked[i] & (group < 0)):
                group[j] = len(groups)
                stack.append(j)
        groups.append(np.sort(np.array(members)))
    return groups


def _contours(mask: np.ndarray) -> tuple[list[np.ndarray], dict[int, list[np.ndarray]]]:
    """Outer contours of every blob, also those inside another blob's hole (a digit inside a
    page outline), and each outer contour's holes by its index."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return [], {}
    parents = hierarchy[0][:, 3]
    outer = np.flatnonzero(parents < 0)
    index = {int(i): n for n, i in enumerate(outer)}
    holes: dict[int, list[np.ndarray]] = {}
    for i in np.flatnonzero(parents >= 0):
        holes.setdefault(index[int(parents[i])], []).append(contours[i])
    return [contours[i] for i in outer], holes


def _boxes(contours: list[np.ndarray]) -> np.ndarray:
    if not contours:
        return np.zeros((0, 4), np.int32)
    return np.array([cv2.boundingRect(c) for c in contours], np.int32).reshape(-1, 4)


def _union(boxes: np.ndarray) -> np.ndarray:
    x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
    x1, y1 = (boxes[:, 0] + boxes[:, 2]).max(), (boxes[:, 1] + boxes[:, 3]).max()
    return np.array([x0, y0, x1 - x0, y1 - y0], np.int32)


def _cut_crop(
    gray: np.ndarray,
    mask: np.ndarray,
    box: np.ndarray,
    contours: list[np.ndarray],
    paper: np.ndarray,
    step: int,
) -> tuple[np.ndarray, int, float]:
    """The digit's own ink on white, with a small margin; its ink pixel count; the paper level.

    Pixels outside the digit's filled contours (grown by one pixel to keep the soft edge of the
    stroke) are set to the paper's level; the grey levels are divided by the paper's level at the
    digit, so the crop's contrast does not depend on the light.
    """
    x, y, w, h = (int(v) for v in box)
    pad = 2
    height, width = gray.shape
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(width, x + w + pad), min(height, y + h + pad)
    region = gray[y0:y1, x0:x1]
    shape = np.zeros(region.shape, np.uint8)
    cv2.drawContours(shape, contours, -1, 255, thickness=cv2.FILLED, offset=(-x0, -y0))
    ink_area = cv2.countNonZero(cv2.bitwise_and(shape, mask[y0:y1, x0:x1]))
    keep = cv2.dilate(shape, np.ones((3, 3), np.uint8))
    level = float(paper[min(paper.shape[0] - 1, (y + h // 2) // step),
                        min(paper.shape[1] - 1, (x + w // 2) // step)])
    scaled = cv2.convertScaleAbs(region, alpha=255.0 / max(level, 1.0))
    crop = np.full(region.shape, 255, np.uint8)
    cv2.copyTo(scaled, keep, crop)
    return crop, ink_area, level


def _bright_level(paper: np.ndarray) -> float:
    """The level of the brightest tenth of the paper estimate: the well-lit page."""
    counts = cv2.calcHist([paper], [0], None, [256], [0, 256]).ravel()
    above = np.cumsum(counts[::-1])
    return float(255 - np.searchsorted(above, 0.1 * counts.sum()))
