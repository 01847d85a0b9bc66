"""``camdigit report [DATA]``: a look at a set of labelled digits before training on it.

For a user's folder or CSV table of digits (:func:`camdigit.data.datasets.load_labelled_digits`), or
MNIST normalized as training normalizes it, writes into one folder:

- ``class_balance.png``: how many digits of each class;
- ``mean_std.png``: each class's mean and standard-deviation image (of the normalized crops);
- ``pixels.png``: mean ink and ink coverage per class, and the histogram of pixel values;
- ``outliers.png``: the digits the model finds least typical (lowest probability of their own
  label), a quick way to spot mislabelled or badly cut images;
- ``report.md``: the figures in words, with the ten least typical digits as a table.

Nothing is lost: a folder that already holds any of these files (an earlier report) is refused
before any work (no model loaded, no digit read) unless ``--overwrite`` is given; other files
in it are left alone, and an input (an image of DATA) is never written over.

Statistics are accumulated over chunks of :data:`CHUNK` digits (vectorized; memory stays flat)
and the model reads all digits in batches, so MNIST's 60,000 take a few seconds. Charts are drawn
with OpenCV alone.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from camdigit.commands.options import HelpFormatter, UsageError, add_model_options, check_threads
from camdigit.core.classifier import CLASSES, Classification, DigitClassifier
from camdigit.core.preprocess import CANVAS
from camdigit.data.mnist import DataError, DigitSet
from camdigit.io.drawing import put_text

log = logging.getLogger(__name__)

CHUNK = 4096
"""Digits per vectorized step (statistics) and per call to the classifier."""

INK_LEVEL = round(0.2 * 255)
"""A pixel above this counts as ink for the coverage figure."""

SUMMARY_OUTLIERS = 10
"""Least typical digits listed in report.md."""

INK = (40, 40, 40)
BAR = (190, 120, 40)
HIGHLIGHT = (40, 90, 220)
FIGURES = ("class_balance.png", "mean_std.png", "pixels.png", "outliers.png")
REPORT = "report.md"


@dataclass(frozen=True)
class DigitStats:
    """Per-class statistics of normalized crops (pixel values 0..255)."""

    counts: np.ndarray  # (10,) int64
    mean: np.ndarray  # (10, 64, 64) float32, mean image per class (0 where a class is absent)
    std: np.ndarray  # (10, 64, 64) float32, standard deviation image per class
    mean_ink: np.ndarray  # (10,) float64, mean pixel value / 255
    coverage: np.ndarray  # (10,) float64, share of pixels above INK_LEVEL
    histogram: np.ndarray  # (256,) int64, pixel values over all digits

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def imbalance(self) -> float:
        """Most common class's count over the rarest's (inf when a class has none)."""
        low = int(self.counts.min())
        return float("inf") if low == 0 else float(self.counts.max()) / low


def digit_statistics(images: np.ndarray, labels: np.ndarray, chunk: int = CHUNK) -> DigitStats:
    """Class counts, mean and std images, ink figures and the pixel histogram, chunk by chunk."""
    pixels = CANVAS * CANVAS
    counts = np.bincount(labels, minlength=CLASSES)[:CLASSES].astype(np.int64)
    sums = np.zeros((CLASSES, pixels), np.float64)
    squares = np.zeros((CLASSES, pixels), np.float64)
    ink_sum = np.zeros(CLASSES, np.float64)
    covered = np.zeros(CLASSES, np.float64)
    histogram = np.zeros(256, np.float64)
    for start in range(0, len(labels), chunk):
        block = images[start : start + chunk].reshape(-1, pixels)
        lab = labels[start : start + chunk]
        onehot = (lab[:, None] == np.arange(CLASSES)[None, :]).astype(np.float32)
        values = block.astype(np.float32)
        sums += onehot.T @ values
        squares += onehot.T @ (values * values)
        ink_sum += np.bincount(lab, weights=values.mean(axis=1), minlength=CLASSES)[:CLASSES]
        share = (block > INK_LEVEL).mean(axis=1)
        covered += np.bincount(lab, weights=share, minlength=CLASSES)[:CLASSES]
        histogram += cv2.calcHist([block], [0], None, [256], [0, 256]).ravel()
    n = np.maximum(counts, 1)[:, None]
    mean = sums / n
    std = np.sqrt(np.maximum(squares / n - mean * mean, 0.0))
    shape = (CLASSES, CANVAS, CANVAS)
    return DigitStats(
        counts,
        mean.reshape(shape).astype(np.float32),
        std.reshape(shape).astype(np.float32),
        ink_sum / 255.0 / n[:, 0],
        covered / n[:, 0],
        histogram.astype(np.int64),
    )


@dataclass(frozen=True)
class Readings:
    """The model's reading of every digit of the set."""

    classification: Classification  # as ``camdigit classify`` reports it, digit by digit
    label_log_odds: np.ndarray  # (N,) float64: log(p / (1 - p)) of each digit's own label


def label_log_odds(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Log-odds of each row's own label from the scores entering the softmax."""
    scores = logits.astype(np.float64)
    rows = np.arange(len(labels))
    own = scores[rows, labels]
    scores[rows, labels] = -np.inf
    top = scores.max(axis=1)
    return own - (top + np.log(np.exp(scores - top[:, None]).sum(axis=1)))


def read_all(
    classifier: DigitClassifier, images: np.ndarray, labels: np.ndarray, chunk: int = CHUNK
) -> Readings:
    """Read every digit, chunk by chunk (each chunk goes to the model in batches).

    The readings are ``camdigit classify``'s; the ranking of the least typical digits uses the
    log-odds of the model's scores (its logits), which keep moving where probabilities sit at
    their ceiling for clear digits.
    """
    parts: list[Classification] = []
    odds = np.empty(len(images), np.float64)
    for start in range(0, len(images), chunk):
        block = slice(start, min(start + chunk, len(images)))
        reading = classifier.classify(images[block])
        parts.append(reading)
        odds[block] = label_log_odds(reading.logits, labels[block])
        log.debug("read %d of %d digits", block.stop, len(images))
    if not parts:
        return Readings(Classification.from_probabilities(np.zeros((0, CLASSES), np.float32)), odds)
    joined = Classification(
        *(
            np.concatenate([getattr(p, name) for p in parts])
            for name in ("digits", "confidences", "probabilities", "is_digit", "logits")
        )
    )
    return Readings(joined, odds)


def least_typical(readings: Readings, count: int) -> np.ndarray:
    """Indices of the ``count`` digits the model finds least like their own label."""
    return np.argsort(readings.label_log_odds, kind="stable")[:count]


# ---------------------------------------------------------------------------------------------
# Charts


def _canvas(width: int, height: int) -> np.ndarray:
    return np.full((height, width, 3), 255, np.uint8)


def bar_chart(
    values: np.ndarray,
    size: tuple[int, int],
    title: str,
    labels: list[str] | None = None,
    value_text: list[str] | None = None,
    colours: list[tuple[int, int, int]] | None = None,
) -> np.ndarray:
    """Vertical bars of non-negative ``values``, one per class, scaled to the largest."""
    width, height = size
    chart = _canvas(width, height)
    left, right, top, bottom = 20, 20, 46, height - 28
    put_text(chart, title, (left, 24), 0.6)
    cv2.line(chart, (left, bottom), (width - right, bottom), (120, 120, 120), 1)
    peak = float(np.max(values)) if len(values) and np.max(values) > 0 else 1.0
    slot = (width - left - right) / len(values)
    for i, value in enumerate(values):
        x0, x1 = round(left + i * slot + slot * 0.15), round(left + (i + 1) * slot - slot * 0.15)
        bar_top = bottom - round(float(value) / peak * (bottom - top - 16))
        colour = colours[i] if colours else BAR
        if bar_top < bottom:
            cv2.rectangle(chart, (x0, bar_top), (x1, bottom), colour, cv2.FILLED)
        centre = (x0 + x1) // 2
        put_text(chart, labels[i] if labels else str(i), (centre, height - 8), 0.55, centred=True)
        if value_text:
            put_text(chart, value_text[i], (centre, bar_top - 5), 0.42, centred=True)
    return chart


def draw_class_balance(stats: DigitStats) -> np.ndarray:
    """Counts per digit; the most and least common in another colour."""
    counts = stats.counts
    colours = [HIGHLIGHT if c in (counts.max(), counts.min()) else BAR for c in counts]
    ratio = stats.imbalance()
    ratio_text = "inf" if ratio == float("inf") else f"{ratio:.2f}"
    title = f"digits per class: {stats.total} in all, most/least common = {ratio_text}"
    return bar_chart(
        counts, (720, 360), title, value_text=[str(int(c)) for c in counts], colours=colours
    )


def _tile(image: np.ndarray, scale: int) -> np.ndarray:
    big = cv2.resize(image, (CANVAS * scale, CANVAS * scale), interpolation=cv2.INTER_NEAREST)
    return cv2.cvtColor(big, cv2.COLOR_GRAY2BGR)


def draw_mean_std(stats: DigitStats, scale: int = 2) -> np.ndarray:
    """One column per digit; rows: the mean image and the std image (std scaled to the largest)."""
    side, gap, head, margin = CANVAS * scale, 6, 40, 60
    grid = _canvas(margin + CLASSES * (side + gap), head + 2 * (side + gap) + 22)
    peak_std = float(stats.std.max()) or 1.0
    rows = (("mean", stats.mean, 1.0), ("std*", stats.std, 255.0 / peak_std))
    for r, (name, images, gain) in enumerate(rows):
        y = head + r * (side + gap)
        put_text(grid, name, (8, y + side // 2 + 5), 0.55)
        for d in range(CLASSES):
            x = margin + d * (side + gap)
            if stats.counts[d] == 0:
                cv2.rectangle(grid, (x, y), (x + side - 1, y + side - 1), (200, 200, 200), 1)
                put_text(grid, "none", (x + side // 2, y + side // 2), 0.45, centred=True)
                continue
            levels = np.clip(images[d] * gain + 0.5, 0, 255).astype(np.uint8)
            grid[y : y + side, x : x + side] = _tile(levels, scale)
    for d in range(CLASSES):
        x = margin + d * (side + gap) + side // 2
        put_text(grid, f"{d} (n={int(stats.counts[d])})", (x, head - 12), 0.45, centred=True)
    put_text(grid, f"*std scaled: white = {peak_std:.0f} (of 255)", (8, grid.shape[0] - 8), 0.42)
    return grid


def histogram_chart(histogram: np.ndarray, size: tuple[int, int], bins: int = 64) -> np.ndarray:
    """Pixel values in ``bins`` groups, counts on a log scale."""
    width, height = size
    chart = _canvas(width, height)
    left, right, top, bottom = 56, 20, 46, height - 30
    put_text(chart, "pixel values, all digits (count, log scale)", (20, 24), 0.6)
    grouped = histogram.reshape(bins, -1).sum(axis=1).astype(np.float64)
    logs = np.log10(grouped + 1.0)
    peak = float(logs.max()) or 1.0
    slot = (width - left - right) / bins
    for i, value in enumerate(logs):
        x0 = round(left + i * slot)
        x1 = max(x0, round(left + (i + 1) * slot) - 1)
        bar_top = bottom - round(value / peak * (bottom - top))
        if bar_top < bottom:
            cv2.rectangle(chart, (x0, bar_top), (x1, bottom), BAR, cv2.FILLED)
    cv2.line(chart, (left, bottom), (width - right, bottom), (120, 120, 120), 1)
    for value in (0, 64, 128, 192, 255):
        x = round(left + value / 256 * (width - left - right))
        put_text(chart, str(value), (x, height - 10), 0.42, centred=True)
    for power in range(0, int(peak) + 1, max(1, int(peak) // 4)):
        y = bottom - round(power / peak * (bottom - top))
        put_text(chart, f"1e{power}", (6, y + 4), 0.4)
        cv2.line(chart, (left - 4, y), (left, y), (120, 120, 120), 1)
    return chart


def draw_pixels(stats: DigitStats) -> np.ndarray:
    """Mean ink and ink coverage per digit (bars), above the histogram of pixel values."""
    ink = bar_chart(
        stats.mean_ink,
        (480, 300),
        "mean ink per digit (mean pixel / 255)",
        value_text=[f"{v:.3f}" for v in stats.mean_ink],
    )
    cover = bar_chart(
        stats.coverage,
        (480, 300),
        f"ink coverage (share of pixels > {INK_LEVEL})",
        value_text=[f"{v:.2f}" for v in stats.coverage],
    )
    top = np.hstack([ink, cover])
    return np.vstack([top, histogram_chart(stats.histogram, (top.shape[1], 300))])


def draw_outliers(
    images: np.ndarray,
    labels: np.ndarray,
    reading: Classification,
    indices: np.ndarray,
    names: list[str],
    columns: int = 10,
    scale: int = 2,
) -> np.ndarray:
    """The least typical digits as a grid; under each: name, label and p(label), reading."""
    side, gap, text_height = CANVAS * scale, 8, 52
    rows = max(1, -(-len(indices) // columns))
    cell_w, cell_h = side + gap, side + text_height
    grid = _canvas(columns * cell_w + gap, rows * cell_h + 40)
    put_text(
        grid, "least typical digits: lowest model probability of their own label", (gap, 26), 0.6
    )
    for k, i in enumerate(indices):
        x, y = gap + (k % columns) * cell_w, 40 + (k // columns) * cell_h
        grid[y : y + side, x : x + side] = _tile(images[i], scale)
        label, read = int(labels[i]), int(reading.digits[i])
        own = float(reading.probabilities[i, label])
        colour = HIGHLIGHT if read != label else INK
        put_text(grid, _short(names[i], 20), (x, y + side + 14), 0.38)
        put_text(grid, f"label {label}: {own:.2f}", (x, y + side + 30), 0.42)
        put_text(
            grid,
            f"read {read}: {float(reading.confidences[i]):.2f}",
            (x, y + side + 46),
            0.42,
            colour,
        )
    return grid


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else "..." + text[-(length - 3) :]


# ---------------------------------------------------------------------------------------------
# report.md


def markdown_report(
    source: str,
    stats: DigitStats,
    labels: np.ndarray,
    readings: Readings,
    indices: np.ndarray,
    names: list[str],
    model: str,
) -> str:
    """The summary: counts, imbalance, accuracy, the ten least typical digits, the figures."""
    reading = readings.classification
    right = int((reading.digits == labels).sum())
    ratio = stats.imbalance()
    common, rare = int(stats.counts.argmax()), int(stats.counts.argmin())
    ratio_text = "infinite (a digit has no examples)" if ratio == float("inf") else f"{ratio:.2f}"
    lines = [
        "# Digit set report",
        "",
        f"- Source: `{source}`",
        f"- Digits: {stats.total}",
        f"- Imbalance (most / least common): {ratio_text} "
        f"(most: {common} with {int(stats.counts[common])}, "
        f"least: {rare} with {int(stats.counts[rare])})",
        f"- Model: `{model}`, accuracy on this set: {right / max(len(labels), 1):.2%} "
        f"({right} of {len(labels)} read as labelled)",
        "",
        "## Digits per class",
        "",
        "| digit | count | share | mean ink | ink coverage |",
        "|---|---:|---:|---:|---:|",
    ]
    for d in range(CLASSES):
        lines.append(
            f"| {d} | {int(stats.counts[d])} | "
            f"{stats.counts[d] / max(stats.total, 1):.1%} | "
            f"{stats.mean_ink[d]:.3f} | {stats.coverage[d]:.3f} |"
        )
    lines += [
        "",
        f"## The {min(SUMMARY_OUTLIERS, len(indices))} least typical digits",
        "",
        "Lowest probability the model gives to the digit's own label: mislabelled images, badly "
        "cut ones, or unusual handwriting. Ranked by the label's log-odds, log(p / (1 - p)), "
        "from the model's scores before its softmax: the int8 output's probabilities come in "
        "steps of 1/256 and tie at 0.996 for most clear digits. All of them are in "
        "`outliers.png`.",
        "",
        "| # | digit | label | read as | probability of label | log-odds of label "
        "| probability of reading |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for rank, i in enumerate(indices[:SUMMARY_OUTLIERS], start=1):
        label = int(labels[i])
        lines.append(
            f"| {rank} | `{names[i]}` | {label} | {int(reading.digits[i])} | "
            f"{float(reading.probabilities[i, label]):.3f} | "
            f"{float(readings.label_log_odds[i]):.1f} | "
            f"{float(reading.confidences[i]):.3f} |"
        )
    lines += ["", "## Figures", ""]
    titles = (
        "Class balance",
        "Mean and standard deviation per digit",
        "Pixel statistics",
        "Least typical digits",
    )
    for title, figure in zip(titles, FIGURES, strict=True):
        lines.append(f"- [{title}]({figure})")
    lines += [""] + [f"![{title}]({figure})" for title, figure in zip(titles, FIGURES, strict=True)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The command


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``report`` to the command line's subcommands; sets ``handler=report_command``."""

    report = subparsers.add_parser(
        "report",
        formatter_class=HelpFormatter,
        help="charts and a summary of a labelled digit set (yours or MNIST)",
        description="Look at a labelled digit set before training on it: class balance, mean "
        "and standard-deviation images per digit, pixel statistics, and the digits the model "
        "finds least typical (likely mislabelled or badly cut), as PNG charts and a Markdown "
        "summary. DATA is a folder (DIR/<digit>/*.png) or a .csv table (image,label); without "
        "DATA, or with --mnist, MNIST normalized as for training.",
    )
    report.add_argument(
        "data",
        nargs="?",
        type=Path,
        default=None,
        metavar="DATA",
        help="a folder of labelled digit images or a .csv table",
    )
    mnist = report.add_argument_group("MNIST")
    mnist.add_argument(
        "--mnist", action="store_true", help="report on MNIST (the default without DATA)"
    )
    mnist.add_argument(
        "--split", choices=["train", "test"], default=None, help="MNIST split (default: train)"
    )
    mnist.add_argument(
        "--data",
        dest="mnist_dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of the MNIST IDX files (default: mnist in $CAMDIGIT_DATA, "
        "else ../shared/data/mnist beside a source checkout)",
    )
    output = report.add_argument_group("output")
    output.add_argument(
        "--out",
        type=Path,
        default=Path("report"),
        help="folder for the charts and report.md (made if missing); one that "
        "already holds a report is refused before any work, unless --overwrite",
    )
    output.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the report (charts and report.md) in --out; its other "
        "files are left alone, and an input is never replaced",
    )
    output.add_argument(
        "--outliers", type=int, default=30, help="how many least typical digits outliers.png shows"
    )
    add_model_options(report)
    report.set_defaults(handler=report_command)
    return report


def check_flags(args: argparse.Namespace) -> None:
    check_threads(args)
    if args.outliers < 1:
        raise UsageError(f"--outliers must be at least 1, got {args.outliers}")
    if args.data is not None and (args.mnist or args.split or args.mnist_dir):
        raise UsageError("give DATA or --mnist (with --split, --data), not both")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out must be a folder, and {args.out} is a file")


def output_files(out: Path) -> list[Path]:
    """The files ``report`` writes into ``out``."""
    return [out / name for name in (*FIGURES, REPORT)]


def input_files(data: Path | None, out: Path) -> list[Path]:
    """The images of DATA (or its table) an output in ``out`` could land on: none unless
    ``out`` is DATA's folder or inside it, or holds a file DATA's table names; none for MNIST
    (IDX files, never named like an output)."""
    from camdigit.data import datasets

    if data is None or not data.exists():
        return []
    if data.is_file():
        try:
            return [data, *(path for path, _ in datasets._table_pairs(data))]
        except (OSError, DataError, UnicodeDecodeError):
            return [data]  # a bad table is reported when it is loaded
    root, folder = data.resolve(), out.resolve()
    if folder != root and root not in folder.parents:
        return []
    listing = logging.getLogger(datasets.__name__)
    quiet, listing.disabled = listing.disabled, True  # its skip warnings come with the load
    try:
        return [path for path, _ in datasets._folder_pairs(data)]
    finally:
        listing.disabled = quiet


def check_outputs(args: argparse.Namespace) -> None:
    """Before any work: never an input replaced; an earlier report only with --overwrite."""
    from camdigit.io.outputs import refuse_to_replace

    refuse_to_replace(
        output_files(args.out),
        input_files(args.data, args.out),
        args.overwrite,
        flag="--out",
        instead="another folder",
        by="the report",
        replaced="the report there",
    )


def load_digits(args: argparse.Namespace) -> tuple[DigitSet, list[str]]:
    """The digits (normalized 64x64 crops) and a name for each, for the outliers."""
    if args.data is not None:
        from camdigit.data.datasets import load_labelled_digits

        digits = load_labelled_digits(args.data)
        return digits, file_names(args.data, len(digits))
    from camdigit.core.preprocess import normalize_digits
    from camdigit.data.mnist import DEFAULT_DATA_DIR, load_mnist

    split = args.split or "train"
    raw = load_mnist(args.mnist_dir or DEFAULT_DATA_DIR, split)
    images = normalize_digits(raw.images, ink="bright")  # as train.py prepares them
    return DigitSet(images, raw.labels, f"MNIST {raw.source}"), [
        f"{split} #{i}" for i in range(len(raw))
    ]


def file_names(path: Path, count: int) -> list[str]:
    """Each loaded digit's file, relative to DATA, where it can be told; else its index.

    ``load_labelled_digits`` does not return the files, and skips unreadable ones, so the
    files are listed the same way here and used only when none was skipped.
    """
    from camdigit.data import datasets

    lister = getattr(datasets, "_table_pairs" if path.is_file() else "_folder_pairs", None)
    try:
        pairs = lister(path) if lister is not None else []
    except (OSError, DataError, TypeError, ValueError):
        pairs = []
    if len(pairs) != count:
        return [f"#{i}" for i in range(count)]
    base = path.parent if path.is_file() else path
    names = []
    for file, _ in pairs:
        try:
            names.append(Path(file).relative_to(base).as_posix())
        except ValueError:
            names.append(str(file))
    return names


def write_png(path: Path, image: np.ndarray) -> None:
    from camdigit.io.outputs import OutputError

    try:
        written = cv2.imwrite(str(path), image)
    except cv2.error:
        written = False
    if not written:
        raise OutputError(f"cannot write {path}")


def report_command(args: argparse.Namespace) -> int:
    """Write the charts and report.md; print the folder, the count and the accuracy."""
    from camdigit.io.outputs import OutputError

    check_flags(args)
    check_outputs(args)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot make the folder {args.out}: {exc.strerror}") from None
    cv2.setNumThreads(args.threads)
    classifier = DigitClassifier(args.model, threads=args.threads)
    digits, names = load_digits(args)  # a DataError is reported in one line
    images, labels = digits.images, digits.labels.astype(np.int64)

    stats = digit_statistics(images, labels)
    readings = read_all(classifier, images, labels)
    reading = readings.classification
    outliers = least_typical(readings, args.outliers)
    figures = (
        draw_class_balance(stats),
        draw_mean_std(stats),
        draw_pixels(stats),
        draw_outliers(images, labels, reading, outliers, names),
    )
    for name, figure in zip(FIGURES, figures, strict=True):
        write_png(args.out / name, figure)
    text = markdown_report(
        digits.source,
        stats,
        labels,
        readings,
        outliers,
        names,
        f"{classifier.path.name} ({classifier.input_type})",
    )
    try:
        (args.out / REPORT).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {args.out / REPORT}: {exc.strerror}") from None

    accuracy = float((reading.digits == labels).mean()) if len(labels) else 0.0
    print(f"{args.out}: report on {digits.source}")
    print(
        f"{stats.total} digits, model accuracy {accuracy:.2%}, "
        f"imbalance {stats.imbalance():.2f} (most/least common)"
    )
    return 0
