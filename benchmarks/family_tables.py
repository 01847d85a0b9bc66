"""A table of the still families read under variants of their scenes (other sizes, other
framings): a row per family, the digits read and the false digits per image per variant,
printed and, with ``--json``, written out. Shared by :mod:`benchmarks.scene_scales` and
:mod:`benchmarks.scene_framings`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.frames import read_still
from benchmarks.matching import Score
from benchmarks.run import STILL_FAMILIES, add_data_option, load_digits, score_results
from benchmarks.scenes import Scene, Truth, scene_set
from camdigit.core.classifier import DigitClassifier
from camdigit.core.pipeline import DEFAULT_MIN_DIGIT, Recognizer
from camdigit.data.mnist import DataError

Variant = Callable[[Scene], tuple[np.ndarray, Truth]]
"""A scene's image as a variant shows it, and its truth in that image's pixels."""


def table_args(
    description: str, argv: list[str] | None, variants: Callable[[argparse.ArgumentParser], Any]
) -> argparse.Namespace:
    """The options every family table takes (digits, model, families, then the table's own
    ``variants`` option, then scenes, seed, JSON), parsed from ``argv``."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    add_data_option(parser)
    parser.add_argument("--model", type=Path, default=None, help="a .tflite digit model")
    parser.add_argument("--min-digit", type=float, default=DEFAULT_MIN_DIGIT)
    parser.add_argument(
        "--families", nargs="+", choices=STILL_FAMILIES, default=STILL_FAMILIES, metavar="NAME"
    )
    variants(parser)
    parser.add_argument("--scenes", type=int, default=5, help="scenes per family")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, default=None, help="write every figure here")
    return parser.parse_args(argv)


def family_scores(
    recognizer: Recognizer,
    images: np.ndarray,
    labels: np.ndarray,
    family: str,
    scenes: int,
    seed: int,
    variants: list[Variant],
) -> list[Score]:
    """One family's score under each of ``variants``, over the same ``scenes`` scenes, each
    read as ``camdigit run`` reads a photo."""
    scores = [Score() for _ in variants]
    for scene in scene_set(images, labels, [family], scenes, seed):
        for score, variant in zip(scores, variants, strict=True):
            image, truth = variant(scene)
            score.add(score_results([read_still(recognizer, image, family)], [truth]))
    return scores


def print_table(
    args: argparse.Namespace,
    program: str,
    caption: str,
    columns: Sequence[tuple[str, str, Variant]],
) -> int:
    """Read every family of ``args.families`` under each of ``columns`` (its heading, its key
    in the JSON, its variant) and print the table under ``caption``; 2 where the digits
    cannot be read (a one-line error naming ``program``), else 0."""
    try:
        images, labels, source = load_digits(args.data)
    except DataError as exc:
        print(f"{program}: {exc}", file=sys.stderr)
        return 2
    recognizer = Recognizer(DigitClassifier(args.model), min_digit=args.min_digit)
    print(f"digits: {source}; {args.scenes} scenes per family, seed {args.seed}")
    print(caption)
    print(f"{'family':<12}" + "".join(f"{heading:>16}" for heading, _, _ in columns))
    variants = [variant for _, _, variant in columns]
    figures: dict[str, dict[str, dict[str, float]]] = {}
    for family in args.families:
        scores = family_scores(recognizer, images, labels, family, args.scenes, args.seed, variants)
        cells = [f"{s.read_accuracy:>9.2%} {s.false_per_image:>5.2f}" for s in scores]
        print(f"{family:<12}" + "".join(f"{cell:>16}" for cell in cells))
        figures[family] = {
            key: {"read": s.read_accuracy, "false_per_image": s.false_per_image}
            for (_, key, _), s in zip(columns, scores, strict=True)
        }
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=1))
        print(f"wrote {args.json}")
    return 0
