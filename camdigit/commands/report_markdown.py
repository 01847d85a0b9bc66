"""``report.md``, the summary ``camdigit report`` writes beside its charts: counts, imbalance,
the model's accuracy, the least typical digits as a table, and links to the figures."""

from __future__ import annotations

import numpy as np

from camdigit.commands.report_charts import FIGURES
from camdigit.commands.report_statistics import DigitStats, Readings
from camdigit.core.classifier import CLASSES

SUMMARY_OUTLIERS = 10
"""Least typical digits listed in report.md."""

REPORT = "report.md"


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
