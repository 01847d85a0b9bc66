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

This module holds the command (flags, checks, inputs and outputs); what is measured is
:mod:`camdigit.commands.report_statistics`'s, the charts :mod:`camdigit.commands.report_charts`'s
(matplotlib, from the ``train`` extra: without it the command refuses in one line, before any
work) and the summary :mod:`camdigit.commands.report_markdown`'s.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import cv2
import numpy as np

from camdigit.commands.options import HelpFormatter, UsageError, add_model_options, check_threads
from camdigit.commands.report_charts import FIGURES, check_matplotlib, write_charts
from camdigit.commands.report_markdown import REPORT, markdown_report
from camdigit.commands.report_statistics import digit_statistics, least_typical, read_all
from camdigit.core.classifier import DigitClassifier
from camdigit.data.mnist import DataError, DigitSet


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


def report_command(args: argparse.Namespace) -> int:
    """Write the charts and report.md; print the folder, the count and the accuracy."""
    from camdigit.io.outputs import OutputError

    check_flags(args)
    check_outputs(args)
    check_matplotlib()
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
    write_charts(args.out, stats, images, labels, reading, outliers, names)
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
