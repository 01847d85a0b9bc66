"""Every still family's pages, one line each, resized, framed or faint: to diff two runs.

    python -m benchmarks.page_sweep > after.txt                 # test-suite seeds 1-6
    python -m benchmarks.page_sweep --seeds 1 2 --families grid texture
    python -m benchmarks.page_sweep --variants faint --keep 0.35   # fainter still
    diff before.txt after.txt                                   # the pages a change moved

The family tables (:mod:`benchmarks.scene_scales`, :mod:`benchmarks.scene_framings`) sum a
family's pages; a change that rights one page and breaks another of the same family can leave
the sum as it was, and a page that reads nothing at one size (a page inverted as light
writing, graph paper whose lines were left in the digits) is one line among many. This reads
each page of each family (``render_scene`` with each seed, the digits of the test fixture
unless ``--data``) in each variant, as ``camdigit run`` reads a photo, and prints its digits
read and its false digits, one page a line, in a fixed order.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from benchmarks.frames import read_still
from benchmarks.photo_variants import faded
from benchmarks.run import STILL_FAMILIES, load_digits, score_results
from benchmarks.scene_framings import FRAMINGS
from benchmarks.scene_scales import framed_and_resized
from benchmarks.scenes import Scene, Truth, render_scene
from camdigit.core.classifier import DigitClassifier
from camdigit.core.pipeline import Recognizer
from camdigit.data.mnist import DataError

VARIANTS: dict[str, tuple[float, str | None]] = {
    "x0.5": (0.5, None),
    "x0.75": (0.75, None),
    "x1": (1.0, None),
    "x1.33": (1.33, None),
    "desk": (1.0, "desk"),
    "portrait-desk": (1.0, "portrait-desk"),
    "portrait-desk-x2": (2.0, "portrait-desk"),
    "faint": (1.0, None),
}
"""Each variant's name, its scale and its framing (:data:`benchmarks.scene_framings.FRAMINGS`):
a webcam's 480 px, as rendered, a phone's photo shrunk to 1280, a page on a desk, one upright
on a desk, that photo taken twice as large, and the page written faint (:data:`FAINT`)."""

FAINT = {"faint": 0.5}
"""The variants whose writing is faint, and the share of its depth below the paper kept
(:func:`benchmarks.photo_variants.faded`): a light pencil, a faded ballpoint."""


def variant(scene: Scene, name: str, keep: float | None = None) -> tuple[np.ndarray, Truth]:
    """``scene``'s image and truth as variant ``name`` shows them (:data:`VARIANTS`); a faint
    variant keeps ``keep`` of the writing's depth (None: its own, :data:`FAINT`)."""
    factor, framing = VARIANTS[name]
    image, truth = framed_and_resized(scene, factor, None if framing is None else FRAMINGS[framing])
    if name not in FAINT:
        return image, truth
    return faded(image, FAINT[name] if keep is None else keep), truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--data", type=Path, default=None, help="MNIST IDX folder (default: the test fixture)"
    )
    parser.add_argument("--model", type=Path, default=None, help="a .tflite digit model")
    parser.add_argument(
        "--families", nargs="+", choices=STILL_FAMILIES, default=STILL_FAMILIES, metavar="NAME"
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(1, 7)))
    parser.add_argument(
        "--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS), metavar="NAME"
    )
    parser.add_argument(
        "--keep",
        type=float,
        default=None,
        help=f"share of the writing's depth the faint variant keeps (default {FAINT['faint']})",
    )
    args = parser.parse_args(argv)
    if args.keep is not None and not 0.0 < args.keep <= 1.0:
        parser.error("--keep must be above 0 and at most 1")
    try:
        images, labels, _ = load_digits(args.data)
    except DataError as exc:
        print(f"benchmarks.page_sweep: {exc}", file=sys.stderr)
        return 2
    recognizer = Recognizer(DigitClassifier(args.model))
    print("family seed variant read/digits false")
    for family in args.families:
        for seed in args.seeds:
            scene = render_scene(images, labels, family, seed, (960, 720))
            for name in args.variants:
                image, truth = variant(scene, name, args.keep)
                score = score_results([read_still(recognizer, image, family)], [truth])
                print(f"{family} {seed} {name} {score.read}/{score.truth} {score.false}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
