"""Drawing ``camdigit explain``'s pictures: occlusion heat over a page's digits with their top
three readings, or one digit's panel (the normalized crop, its heat, the ten probabilities).

JET colours: red is where the decision rests (:func:`camdigit.core.occlusion.occlusion_map`).
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.classifier import CLASSES
from camdigit.core.lines import box_rows
from camdigit.core.occlusion import Explanation
from camdigit.core.preprocess import CANVAS
from camdigit.io.drawing import Rect, draw_label, label_size, put_text

HEAT_ALPHA = 0.6
"""Weight of the colour map where it is blended over a digit (at its hottest, on a page)."""

PANEL_SCALE = 4
"""The single-digit panel shows the 64x64 crop this many times larger."""


def heat_colours(heat: np.ndarray) -> np.ndarray:
    """A [0, 1] heat map as BGR colours (JET: blue cold, red hot)."""
    levels = np.clip(heat * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return cv2.applyColorMap(levels, cv2.COLORMAP_JET)


def ink_box(crop: np.ndarray) -> tuple[int, int, int, int]:
    """x, y, w, h of a normalized crop's ink (the whole canvas when it has none)."""
    x, y, w, h = cv2.boundingRect((crop > 0).view(np.uint8))
    return (x, y, w, h) if w and h else (0, 0, CANVAS, CANVAS)


def blend_heat(image: np.ndarray, box: np.ndarray, crop: np.ndarray, heat: np.ndarray) -> None:
    """Blend a digit's heat over its box in ``image`` (BGR, changed in place).

    The heat's ink-box region is stretched onto the digit's box: the normalized crop is that ink
    scaled and centred, so this is its inverse up to the centring and the crop's margin.
    """
    x, y, w, h = (int(v) for v in box)
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, image.shape[1]), min(y + h, image.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    ix, iy, iw, ih = ink_box(crop)
    region = cv2.resize(heat[iy : iy + ih, ix : ix + iw], (w, h), interpolation=cv2.INTER_LINEAR)
    region = region[y0 - y : y1 - y, x0 - x : x1 - x]
    # Cold parts get a light tint, hot ones most of the colour: the ink stays readable.
    alpha = (HEAT_ALPHA * (0.4 + 0.6 * region))[:, :, None]
    roi = image[y0:y1, x0:x1]
    roi[:] = (roi * (1.0 - alpha) + heat_colours(region) * alpha + 0.5).astype(np.uint8)


def _overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_label(
    box: np.ndarray,
    explanation: Explanation,
    scale: float,
    taken: list[Rect],
    shape: tuple[int, ...],
) -> tuple[list[str], tuple[int, int]]:
    """Lines and top-left corner of a digit's label, below or above its box, overlapping no other
    label or digit: the top three on one line, else stacked, else the reading alone (which,
    where even that does not fit, goes below the box regardless)."""
    x, y, w, h = (int(v) for v in box)
    one_line = [explanation.label()]
    stacked = [f"{d}: {p:.2f}" for d, p in explanation.top3]
    for lines in (one_line, stacked, stacked[:1]):
        width, height, _ = label_size(lines, scale)
        left = min(max(x, 0), max(0, shape[1] - width))
        for top in (y + h + 2, y - height - 2):
            rect = (left, top, left + width, top + height)
            if top < 0 or top + height > shape[0]:
                continue
            if not any(_overlaps(rect, other) for other in taken):
                return lines, (left, top)
    width, height, _ = label_size(stacked[:1], scale)
    top = min(max(y + h + 2, 0), max(0, shape[0] - height))
    return stacked[:1], (min(max(x, 0), max(0, shape[1] - width)), top)


def reading_order(boxes: np.ndarray) -> np.ndarray:
    """Indices of the boxes row by row (:func:`camdigit.core.lines.box_rows`), each row left to
    right."""
    return np.array([i for row in box_rows(boxes) for i in row], np.int64)


def draw_page(
    image: np.ndarray, boxes: np.ndarray, crops: np.ndarray, explanations: list[Explanation]
) -> np.ndarray:
    """The image (BGR copy) with each digit's heat blended over it and its top three by it."""
    canvas = to_colour(image)
    thickness = max(1, round(max(canvas.shape[:2]) / 600))
    taken: list[Rect] = []
    for box, crop, explanation in zip(boxes, crops, explanations, strict=True):
        blend_heat(canvas, box, crop, explanation.heat)
        x, y, w, h = (int(v) for v in box)
        cv2.rectangle(canvas, (x, y), (x + w, y + h), (40, 40, 40), thickness)
        taken.append((x, y, x + w + 1, y + h + 1))
    for i in reading_order(boxes):  # labels over all the heat
        scale = float(np.clip(boxes[i, 3] / 100.0, 0.35, 0.8))
        lines, corner = place_label(boxes[i], explanations[i], scale, taken, canvas.shape)
        taken.append(draw_label(canvas, lines, corner, scale, (40, 40, 40)))
    return canvas


def draw_panel(crop: np.ndarray, explanation: Explanation) -> np.ndarray:
    """One digit: the normalized crop, the heat over it, and the ten probabilities as bars."""
    side = CANVAS * PANEL_SCALE
    header, gap = 34, 12
    big = cv2.resize(crop, (side, side), interpolation=cv2.INTER_NEAREST)
    plain = cv2.cvtColor(big, cv2.COLOR_GRAY2BGR)
    heat = cv2.resize(explanation.heat, (side, side), interpolation=cv2.INTER_LINEAR)
    overlay = cv2.addWeighted(plain, 1.0 - HEAT_ALPHA, heat_colours(heat), HEAT_ALPHA, 0.0)
    chart = probability_chart(explanation, (side + 64, side))
    width = 2 * side + chart.shape[1] + 4 * gap
    panel = np.full((header + side + gap, width, 3), 255, np.uint8)
    columns = (gap, 2 * gap + side, 3 * gap + 2 * side)
    for left, part in zip(columns, (plain, overlay, chart), strict=True):
        panel[header : header + side, left : left + part.shape[1]] = part
    read, p = explanation.top3[0]
    titles = (
        "normalized crop",
        "occlusion heat (red: decisive)",
        f"probabilities: read as {read} ({p:.3f})",
    )
    for left, title in zip(columns, titles, strict=True):
        put_text(panel, title, (left, header - 10), 0.55)
    return panel


def probability_chart(explanation: Explanation, size: tuple[int, int]) -> np.ndarray:
    """Bars of the ten probabilities (width, height = ``size``); the top three get their value."""
    width, height = size
    chart = np.full((height, width, 3), 255, np.uint8)
    bottom, top = height - 24, 22
    slot = width // CLASSES
    ranks = {d: i for i, (d, _) in enumerate(explanation.top3)}
    colours = ((0, 90, 230), (0, 160, 255), (0, 200, 255))
    cv2.line(chart, (0, bottom), (width - 1, bottom), (120, 120, 120), 1)
    for d in range(CLASSES):
        p = float(explanation.probabilities[d])
        x0 = d * slot + 4
        x1 = (d + 1) * slot - 4
        bar_top = bottom - round(p * (bottom - top))
        colour = colours[ranks[d]] if d in ranks else (170, 170, 170)
        if bar_top < bottom:
            cv2.rectangle(chart, (x0, bar_top), (x1, bottom), colour, cv2.FILLED)
        put_text(chart, str(d), ((x0 + x1) // 2, height - 6), 0.5, centred=True)
        if d in ranks:
            put_text(chart, f"{p:.2f}", ((x0 + x1) // 2, bar_top - 5), 0.4, centred=True)
    return chart


def to_colour(image: np.ndarray) -> np.ndarray:
    """A BGR copy of an 8-bit grey or BGR image."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return image.copy()
