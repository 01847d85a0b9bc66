"""The still families at other sizes: each scene resized, read, and scored as at its own size.

    python -m benchmarks.scene_scales                          # every still family, x0.75 x1 x1.33
    python -m benchmarks.scene_scales --families grid boxes --scales 0.75 1 --scenes 10
    python -m benchmarks.scene_scales --families grid --framing portrait-desk --scales 1 1.5 2

The measuring stick renders its stills at 960x720; a webcam gives 640x480, a phone's photo is
shrunk to 1280 on its longest side before the finder (``--max-side``). A threshold that holds a
number of pixels where it should hold a share of the writing (a stroke's width, a digit's
height, a grid's line) shows up as a family that reads well at one size and not at another.
Each scene of :mod:`benchmarks.scenes` is resized by each ``--scales`` factor (area averaging
down, cubic up: a smaller camera, a closer or sharper one), its truth boxes with it, and read
with ``camdigit run``'s own code; the table gives, per family, the digits read and the false
digits per image at each scale. Compare a family's scales with each other, not with 100%.
With ``--framing``, each scene is framed so first (:mod:`benchmarks.scene_framings`): a page
upright on a desk, enlarged, is a phone's photo of a small page from its own distance.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from functools import partial

import numpy as np

from benchmarks.family_tables import print_table, table_args
from benchmarks.photo_variants import scaled
from benchmarks.scene_framings import FRAMINGS, Framing, framed
from benchmarks.scenes import Scene, Truth

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


def main(argv: list[str] | None = None) -> int:
    args = table_args(
        __doc__.splitlines()[0],
        argv,
        _variant_options,
    )
    if any(not 0.1 <= factor <= 4.0 for factor in args.scales):
        print("benchmarks.scene_scales: --scales must be between 0.1 and 4", file=sys.stderr)
        return 2
    framing = FRAMINGS[args.framing] if args.framing else None
    columns = [
        (f"x{factor:g}", f"{factor:g}", partial(framed_and_resized, factor=factor, framing=framing))
        for factor in args.scales
    ]
    caption = "read / false digits per image, at each scale of the 960x720 scenes"
    if args.framing:
        caption += f" framed {args.framing}"
    return print_table(args, "benchmarks.scene_scales", caption, columns)


def _variant_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scales", nargs="+", type=float, default=list(SCALES))
    parser.add_argument(
        "--framing", choices=list(FRAMINGS), default=None, help="frame each scene so first"
    )


def framed_and_resized(
    scene: Scene, factor: float, framing: Framing | None = None
) -> tuple[np.ndarray, Truth]:
    """``scene`` framed by ``framing`` (:func:`benchmarks.scene_framings.framed`; none: as
    rendered), then resized by ``factor`` (:func:`resized`), its truth with it."""
    if framing is not None:
        image, truth = framed(scene, framing)
        scene = dataclasses.replace(scene, image=image, truth=truth)
    return resized(scene, factor)


if __name__ == "__main__":
    raise SystemExit(main())
