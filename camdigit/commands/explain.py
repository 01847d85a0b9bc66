"""``camdigit explain IMAGE``: why the model reads each digit as it does (occlusion sensitivity).

For one normalized crop, :func:`occlusion_map` slides a square of background over it and asks the
model (the same TFLite file the camera path uses; no TensorFlow) how much its belief in the digit
it reads drops with each part hidden: the drop of that digit's log-odds, log(p / (1 - p)), which
orders as its probability does but does not sit at a ceiling for clear digits. Where hiding the
ink costs the most, the decision rests. All occluded versions go to the model in one batched call.

The model's own scores are read: camdigit's models end in logits (the softmax is taken in numpy
by :class:`camdigit.core.classifier.DigitClassifier`), so the log-odds keep moving where an int8
softmax output would sit at its ceiling of 255/256 for almost every clear digit. An older model
that ends in its softmax is explained on the log of its probabilities.

The command draws the result: over a page, each found digit gets its heat map (JET: red is where
the decision rests) and its three likeliest readings; a single digit (``--crop``, a small image,
or a page where no digit is found) gets a panel of the normalized crop, the heat over it and a
bar chart of the ten probabilities.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from camdigit.commands.options import HelpFormatter, UsageError, add_model_options, check_threads
from camdigit.core.classifier import CLASSES, DigitClassifier
from camdigit.core.lines import box_rows
from camdigit.core.preprocess import CANVAS, SINGLE_DIGIT_SIDE, guess_ink, normalize_digit
from camdigit.io.drawing import Rect, draw_label, label_size, put_text

log = logging.getLogger(__name__)


OUTPUT_SUFFIXES = (".png", ".jpg", ".jpeg")

HEAT_ALPHA = 0.6
"""Weight of the colour map where it is blended over a digit (at its hottest, on a page)."""

PANEL_SCALE = 4
"""The single-digit panel shows the 64x64 crop this many times larger."""


@dataclass(frozen=True)
class Explanation:
    """Where one crop's reading comes from.

    ``heat`` is (64, 64) float32 in [0, 1]: the mean drop of the read digit's log-odds over the
    occluding windows that cover the pixel, divided by the largest such drop; 0 where hiding
    helps or changes nothing (all 0 when nothing drops). ``probabilities`` are the digits' for
    the crop as it is, as ``camdigit classify`` reports them.
    """

    heat: np.ndarray
    digit: int
    probabilities: np.ndarray  # (10,) float32, among the digits
    top3: list[tuple[int, float]]
    is_digit: float = 1.0  # the model's probability that the crop is a digit at all

    def summary(self) -> str:
        """``7 (0.981)  then 1 (0.012), 9 (0.004)``."""
        (first, p), *rest = self.top3
        others = ", ".join(f"{d} ({q:.3f})" for d, q in rest)
        judged = f"  (a digit: {self.is_digit:.3f})" if self.is_digit < 1.0 else ""
        return f"{first} ({p:.3f})  then {others}{judged}"

    def label(self) -> str:
        """``7: 0.98 | 1: 0.01 | 9: 0.00``."""
        return " | ".join(f"{d}: {q:.2f}" for d, q in self.top3)


def log_odds(logits: np.ndarray, digit: int) -> np.ndarray:
    """log(p / (1 - p)) of ``digit`` for each row: its probability's order, without ceiling."""
    others = np.delete(logits, digit, axis=1).astype(np.float64)
    top = others.max(axis=1)
    rest = top + np.log(np.exp(others - top[:, None]).sum(axis=1))
    return logits[:, digit].astype(np.float64) - rest


def window_starts(patch: int, stride: int) -> np.ndarray:
    """Top-left offsets (per axis) of the occluding windows; the last one reaches the edge."""
    if not 1 <= patch <= CANVAS:
        raise ValueError(f"patch must be between 1 and {CANVAS}, got {patch}")
    if stride < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    starts = list(range(0, CANVAS - patch + 1, stride))
    if starts[-1] != CANVAS - patch:
        starts.append(CANVAS - patch)
    return np.array(starts, np.int64)


def window_masks(patch: int, stride: int) -> np.ndarray:
    """(K, 64, 64) bool, one square window each, row by row."""
    starts = window_starts(patch, stride)
    axis = np.arange(CANVAS)[None, :]
    inside = (axis >= starts[:, None]) & (axis < starts[:, None] + patch)  # (S, 64)
    masks = inside[:, None, :, None] & inside[None, :, None, :]  # (S, S, 64, 64)
    return masks.reshape(-1, CANVAS, CANVAS)


def top_classes(
    probabilities: np.ndarray, scores: np.ndarray, k: int = 3
) -> list[tuple[int, float]]:
    """The k likeliest digits; ``scores`` (the logits) order those the output rounds alike."""
    order = np.lexsort((-scores, -probabilities))[:k]
    return [(int(d), float(probabilities[d])) for d in order]


def occlusion_map(
    classifier: DigitClassifier, crop: np.ndarray, patch: int = 8, stride: int = 4
) -> Explanation:
    """Occlusion sensitivity of one normalized (64, 64) uint8 crop (ink bright on black).

    A ``patch`` x ``patch`` square of background (0) slides over the crop by ``stride``; the
    crop and all its occluded versions go to the model in one batched call. A pixel's heat is
    the mean drop of the read digit's log-odds over the windows covering it (log-odds rather
    than the probability itself: see the module's docstring), clipped at 0 and divided by the
    largest. Windows over background only are not sent: hiding background there leaves the crop
    as it is, so their drop is exactly 0.
    """
    crop = np.asarray(crop)
    if crop.shape != (CANVAS, CANVAS) or crop.dtype != np.uint8:
        raise ValueError(
            f"crop must be a (64, 64) uint8 normalized digit, got {crop.dtype} {crop.shape}"
        )
    masks = window_masks(patch, stride)
    touches_ink = (masks & (crop > 0)).any(axis=(1, 2))
    occluded = np.where(masks[touches_ink], np.uint8(0), crop[None])
    reading = classifier.classify(np.concatenate([crop[None], occluded]))
    logits, probabilities = reading.logits[0], reading.probabilities[0]
    digit = int(reading.digits[0])
    # Among the digits: the map shows what makes it this digit rather than another; whether it
    # is a digit at all is the model's separate judgement (``is_digit``).
    odds = log_odds(reading.logits[:, :CLASSES], digit)
    drops = np.zeros(len(masks), np.float32)
    drops[touches_ink] = odds[0] - odds[1:]
    covered = masks.sum(axis=0, dtype=np.float32)
    # A stride longer than the patch leaves pixels no window covers: no evidence, no heat.
    mean_drop = np.tensordot(drops, masks.astype(np.float32), axes=1) / np.maximum(covered, 1.0)
    heat = np.clip(mean_drop, 0.0, None)
    peak = float(heat.max())
    heat = (heat / peak if peak > 0 else np.zeros_like(heat)).astype(np.float32)
    return Explanation(
        heat,
        digit,
        probabilities.copy(),
        top_classes(probabilities, logits[:CLASSES]),
        float(reading.is_digit[0]),
    )


# ---------------------------------------------------------------------------------------------
# Drawing


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


# ---------------------------------------------------------------------------------------------
# The command


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``explain`` to the command line's subcommands; sets ``handler=explain_command``."""

    explain = subparsers.add_parser(
        "explain",
        formatter_class=HelpFormatter,
        help="why each digit is read as it is: occlusion heat maps and top-3 readings",
        description="Find the digits in IMAGE and show, for each, which parts of its stroke the "
        "model's reading rests on (occlusion sensitivity: how far the read digit's log-odds "
        "fall when a square of the digit is hidden; red: far) and its three likeliest readings. "
        "A single digit (--crop, an image of at most 128x128 px, or an image where no digit is "
        "found) gets a panel: the normalized crop, its heat map and the ten probabilities.",
    )
    explain.add_argument("image", metavar="IMAGE", type=Path, help="a photo, page or digit image")
    explain.add_argument(
        "--crop",
        action="store_true",
        help="IMAGE is one digit: explain it whole (ink polarity guessed)",
    )
    explain.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="PATH",
        help="the picture to write, .png or .jpg "
        "(default: IMAGE's name with .explain.png, in the current folder)",
    )
    occlusion = explain.add_argument_group("occlusion")
    occlusion.add_argument(
        "--patch",
        type=int,
        default=8,
        help="side of the hidden square, in the 64x64 normalized crop's pixels",
    )
    occlusion.add_argument(
        "--stride", type=int, default=4, help="step between hidden squares, in the same pixels"
    )
    add_model_options(explain)
    explain.set_defaults(handler=explain_command)
    return explain


def output_path(image: Path, out: Path | None) -> Path:
    """Where the picture goes; refused (one line) before any work when it cannot be written."""
    path = out if out is not None else Path(image.stem + ".explain.png")
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise UsageError(f"--out must end in .png, .jpg or .jpeg, got {path}")
    if path.is_dir():
        raise UsageError(f"--out is a folder, give a file name: {path}")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"output folder does not exist: {folder}")
    return path


def check_flags(args: argparse.Namespace) -> None:
    check_threads(args)
    if not 1 <= args.patch <= CANVAS:
        raise UsageError(f"--patch must be between 1 and {CANVAS}, got {args.patch}")
    if not 1 <= args.stride <= CANVAS:
        raise UsageError(f"--stride must be between 1 and {CANVAS}, got {args.stride}")


def explain_command(args: argparse.Namespace) -> int:
    """Explain IMAGE's digits; prints one line per digit and writes the picture."""
    from camdigit.core.pipeline import Recognizer
    from camdigit.io.images import ImageError, read_image, to_bgr8
    from camdigit.io.outputs import OutputError

    check_flags(args)
    out = output_path(args.image, args.out)
    cv2.setNumThreads(args.threads)
    image = to_bgr8(read_image(args.image))
    classifier = DigitClassifier(args.model, threads=args.threads)

    found = None
    height, width = image.shape[:2]
    if not args.crop and max(height, width) > SINGLE_DIGIT_SIDE:
        found = Recognizer(classifier).find(image)
        if not len(found):
            log.info("no digit found in %s: explaining it as one digit", args.image)
            found = None
    if found is None:
        crop = normalize_digit(image, ink=guess_ink(image))
        if not crop.any():
            raise ImageError(f"no ink in {args.image}: nothing to explain")
        boxes = np.array([[0, 0, width, height]], np.int32)
        crops = crop[None]
    else:
        boxes = found.boxes
        crops = np.stack([normalize_digit(c, ink="dark") for c in found.crops])
    explanations = [occlusion_map(classifier, c, args.patch, args.stride) for c in crops]

    for i in reading_order(boxes):
        x, y, w, h = (int(v) for v in boxes[i])
        print(f"{x},{y},{w},{h}  {explanations[i].summary()}", flush=True)
    picture = (
        draw_panel(crops[0], explanations[0])
        if found is None
        else draw_page(image, boxes, crops, explanations)
    )
    try:
        written = cv2.imwrite(str(out), picture)
    except cv2.error:
        written = False
    if not written:
        raise OutputError(f"cannot write {out}")
    print(f"camdigit: wrote {out}", file=sys.stderr, flush=True)
    return 0
