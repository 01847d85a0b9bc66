"""The still families at other sizes: each scene resized, read, and scored as at its own size.

    python -m benchmarks.scene_scales                          # every still family, x0.75 x1 x1.33
    python -m benchmarks.scene_scales --families grid boxes --scales 0.75 1 --scenes 10

The measuring stick renders its stills at 960x720; a webcam gives 640x480, a phone's photo is
shrunk to 1280 on its longest side before the finder (``--max-side``). A threshold that holds a
number of pixels where it should hold a share of the writing (a stroke's width, a digit's
height, a grid's line) shows up as a family that reads well at one size and not at another.
Each scene of :mod:`benchmarks.scenes` is resized by each ``--scales`` factor (area averaging
down, cubic up: a smaller camera, a closer or sharper one), its truth boxes with it, and read
with ``camdigit run``'s own code; the table gives, per family, the digits read and the false
digits per image at each scale. Compare a family's scales with each other, not with 100%.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

from benchmarks.frames import read_still
from benchmarks.matching import Score
from benchmarks.photo_variants import scaled
from benchmarks.run import STILL_FAMILIES, add_data_option, load_digits, score_results
from benchmarks.scenes import Scene, Truth, scene_set
from camdigit.core.classifier import DigitClassifier
from camdigit.core.pipeline import DEFAULT_MIN_DIGIT, Recognizer
from camdigit.data.mnist import DataError

SCALES = (0.75, 1.0, 1.33)
"""960x720 scenes as 720x540 (a webcam's frame, a little larger) and 1277x958 (just under the
1280 px a photo is shrunk to), and as rendered."""


def resized(scene: Scene, factor: float) -> tuple[np.ndarray, Truth]:
    """The scene's image resized by ``factor`` and its truth in the resized image's pixels."""
    if factor == 1.0:
        return scene.image, scene.truth
    image = scaled(factor)(scene.image)

    def boxes(b: np.ndarray) -> np.ndarray:
        return np.round(np.asarray(b, np.float64) * factor).astype(np.int32).reshape(-1, 4)

    truth = scene.truth
    numbers = [(text, tuple(boxes(np.array(box))[0].tolist())) for text, box in truth.numbers]
    moved = dataclasses.replace(
        truth, boxes=boxes(truth.boxes), numbers=numbers, marks=boxes(truth.marks)
    )
    return image, moved


def family_scores(
    recognizer: Recognizer,
    images: np.ndarray,
    labels: np.ndarray,
    family: str,
    scenes: int,
    seed: int,
    scales: list[float],
) -> list[Score]:
    """One family's score at each of ``scales``, over the same ``scenes`` scenes."""
    scores = [Score() for _ in scales]
    for scene in scene_set(images, labels, [family], scenes, seed):
        for score, factor in zip(scores, scales, strict=True):
            image, truth = resized(scene, factor)
            score.add(score_results([read_still(recognizer, image, family)], [truth]))
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    add_data_option(parser)
    parser.add_argument("--model", type=Path, default=None, help="a .tflite digit model")
    parser.add_argument("--min-digit", type=float, default=DEFAULT_MIN_DIGIT)
    parser.add_argument(
        "--families", nargs="+", choices=STILL_FAMILIES, default=STILL_FAMILIES, metavar="NAME"
    )
    parser.add_argument("--scales", nargs="+", type=float, default=list(SCALES))
    parser.add_argument("--scenes", type=int, default=5, help="scenes per family")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, default=None, help="write every figure here")
    args = parser.parse_args(argv)
    if any(not 0.1 <= factor <= 4.0 for factor in args.scales):
        print("benchmarks.scene_scales: --scales must be between 0.1 and 4", file=sys.stderr)
        return 2
    try:
        images, labels, source = load_digits(args.data)
    except DataError as exc:
        print(f"benchmarks.scene_scales: {exc}", file=sys.stderr)
        return 2
    recognizer = Recognizer(DigitClassifier(args.model), min_digit=args.min_digit)
    print(f"digits: {source}; {args.scenes} scenes per family, seed {args.seed}")
    print("read / false digits per image, at each scale of the 960x720 scenes")
    print(f"{'family':<12}" + "".join(f"{f'x{factor:g}':>16}" for factor in args.scales))
    figures: dict[str, dict[str, dict[str, float]]] = {}
    for family in args.families:
        scores = family_scores(
            recognizer, images, labels, family, args.scenes, args.seed, args.scales
        )
        cells = [f"{s.read_accuracy:>9.2%} {s.false_per_image:>5.2f}" for s in scores]
        print(f"{family:<12}" + "".join(f"{cell:>16}" for cell in cells))
        figures[family] = {
            f"{factor:g}": {"read": s.read_accuracy, "false_per_image": s.false_per_image}
            for factor, s in zip(args.scales, scores, strict=True)
        }
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=1))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
