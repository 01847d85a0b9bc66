"""The PNG charts of ``camdigit report``, drawn with matplotlib (part of the ``train`` extra).

- ``class_balance.png``: how many digits of each class, the most and least common highlighted;
- ``mean_std.png``: each class's mean and standard-deviation image (of the normalized crops);
- ``pixels.png``: mean ink and ink coverage per class, and the histogram of pixel values;
- ``outliers.png``: the least typical digits, each with its label and reading.

matplotlib is imported only inside the functions that draw (its Agg canvas: files, no window),
so the rest of camdigit runs without it; :func:`check_matplotlib` refuses in one line, before
any work, where it is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from camdigit.commands.report_statistics import INK_LEVEL, DigitStats
from camdigit.core.classifier import CLASSES, Classification
from camdigit.errors import CamdigitError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FIGURES = ("class_balance.png", "mean_std.png", "pixels.png", "outliers.png")

MATPLOTLIB_MISSING = (
    "camdigit report needs matplotlib for its charts: pip install 'camdigit[train]'"
)

INK = "#282828"
BAR = "#2878be"
HIGHLIGHT = "#dc5a28"
DPI = 100


def check_matplotlib() -> None:
    """Refuse (one line, :class:`CamdigitError`) where matplotlib is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CamdigitError(MATPLOTLIB_MISSING) from None


def new_figure(width: int, height: int) -> Figure:
    """A white ``width`` x ``height`` px figure on an Agg canvas (no pyplot, no window)."""
    check_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def save_figure(figure: Figure, path: Path) -> None:
    """Write ``figure`` as a PNG; an :class:`~camdigit.io.outputs.OutputError` where it cannot."""
    from camdigit.io.outputs import OutputError

    try:
        figure.savefig(path, format="png", dpi=DPI, facecolor="white")
    except OSError:
        raise OutputError(f"cannot write {path}") from None


def bar_chart(
    ax: Axes,
    values: np.ndarray,
    title: str,
    value_text: list[str],
    colours: list[str] | None = None,
) -> None:
    """Vertical bars of non-negative ``values``, one per class, each with its value above it."""
    bars = ax.bar(range(len(values)), values, width=0.7, color=colours or BAR)
    ax.bar_label(bars, labels=value_text, fontsize=8, padding=2, color=INK)
    ax.set_xticks(range(len(values)), [str(i) for i in range(len(values))])
    ax.set_title(title, fontsize=10, loc="left")
    ax.margins(y=0.15)
    ax.spines[["top", "right"]].set_visible(False)


def draw_class_balance(stats: DigitStats) -> Figure:
    """Counts per digit; the most and least common in another colour."""
    counts = stats.counts
    colours = [HIGHLIGHT if c in (counts.max(), counts.min()) else BAR for c in counts]
    ratio = stats.imbalance()
    ratio_text = "inf" if ratio == float("inf") else f"{ratio:.2f}"
    title = f"digits per class: {stats.total} in all, most/least common = {ratio_text}"
    figure = new_figure(720, 360)
    ax = figure.add_subplot()
    bar_chart(ax, counts, title, [str(int(c)) for c in counts], colours)
    ax.set_xlabel("digit")
    figure.tight_layout()
    return figure


def draw_mean_std(stats: DigitStats) -> Figure:
    """One column per digit; rows: the mean image and the std image (std scaled to the largest)."""
    peak_std = float(stats.std.max()) or 1.0
    figure = new_figure(1240, 330)
    axes = figure.subplots(2, CLASSES)
    rows = (("mean", stats.mean, 255.0), ("std*", stats.std, peak_std))
    for r, (name, images, white) in enumerate(rows):
        for d in range(CLASSES):
            ax = axes[r, d]
            ax.set_xticks([])
            ax.set_yticks([])
            if stats.counts[d] == 0:
                ax.set_box_aspect(1)
                ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
            else:
                ax.imshow(images[d], cmap="gray", vmin=0.0, vmax=white, interpolation="nearest")
            if r == 0:
                ax.set_title(f"{d} (n={int(stats.counts[d])})", fontsize=9)
        axes[r, 0].set_ylabel(name, fontsize=10)
    figure.text(0.01, 0.02, f"*std scaled: white = {peak_std:.0f} (of 255)", fontsize=8)
    figure.subplots_adjust(left=0.03, right=0.99, top=0.9, bottom=0.09, wspace=0.08, hspace=0.08)
    return figure


def histogram_chart(ax: Axes, histogram: np.ndarray, bins: int = 64) -> None:
    """Pixel values in ``bins`` groups, counts on a log scale."""
    grouped = histogram.reshape(bins, -1).sum(axis=1)
    width = 256 / bins
    ax.bar(np.arange(bins) * width, grouped, width=width, align="edge", color=BAR)
    ax.set_yscale("log")
    ax.set_xlim(0, 256)
    ax.set_xticks([0, 64, 128, 192, 255])
    ax.set_title("pixel values, all digits (count, log scale)", fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)


def draw_pixels(stats: DigitStats) -> Figure:
    """Mean ink and ink coverage per digit (bars), above the histogram of pixel values."""
    figure = new_figure(960, 600)
    grid = figure.add_gridspec(2, 2)
    bar_chart(
        figure.add_subplot(grid[0, 0]),
        stats.mean_ink,
        "mean ink per digit (mean pixel / 255)",
        [f"{v:.3f}" for v in stats.mean_ink],
    )
    bar_chart(
        figure.add_subplot(grid[0, 1]),
        stats.coverage,
        f"ink coverage (share of pixels > {INK_LEVEL})",
        [f"{v:.2f}" for v in stats.coverage],
    )
    histogram_chart(figure.add_subplot(grid[1, :]), stats.histogram)
    figure.tight_layout()
    return figure


def draw_outliers(
    images: np.ndarray,
    labels: np.ndarray,
    reading: Classification,
    indices: np.ndarray,
    names: list[str],
    columns: int = 10,
) -> Figure:
    """The least typical digits as a grid; under each: name, label and p(label), reading."""
    rows = max(1, -(-len(indices) // columns))
    title, tile, under = 45, 130, 60  # px: the title, each row's image and its text under it
    height = title + rows * (tile + under)
    figure = new_figure(columns * 136 + 16, height)
    figure.suptitle(
        "least typical digits: lowest model probability of their own label",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for k, i in enumerate(indices):
        ax = axes[k // columns, k % columns]
        ax.imshow(images[i], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        label, read = int(labels[i]), int(reading.digits[i])
        own = float(reading.probabilities[i, label])
        colour = HIGHLIGHT if read != label else INK
        lines = (
            (_short(names[i], 20), INK),
            (f"label {label}: {own:.2f}", INK),
            (f"read {read}: {float(reading.confidences[i]):.2f}", colour),
        )
        for line, (text, text_colour) in enumerate(lines):
            y = -0.04 - 0.15 * line
            ax.text(0, y, text, transform=ax.transAxes, va="top", fontsize=7.5, color=text_colour)
    figure.subplots_adjust(
        left=0.01,
        right=0.99,
        top=1 - title / height,
        bottom=under / height,
        wspace=0.1,
        hspace=under / tile,
    )
    return figure


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else "..." + text[-(length - 3) :]


def write_charts(
    out: Path,
    stats: DigitStats,
    images: np.ndarray,
    labels: np.ndarray,
    reading: Classification,
    outliers: np.ndarray,
    names: list[str],
) -> None:
    """Draw the four charts and write them into ``out`` as :data:`FIGURES`, in that order."""
    draws = (
        lambda: draw_class_balance(stats),
        lambda: draw_mean_std(stats),
        lambda: draw_pixels(stats),
        lambda: draw_outliers(images, labels, reading, outliers, names),
    )
    for name, draw in zip(FIGURES, draws, strict=True):
        save_figure(draw(), out / name)
