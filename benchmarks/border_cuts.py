"""The ink digits show on the frame's border, cut by it or whole: the measure behind
:data:`camdigit.core.frame_border.GRAZE_DARK`.

    python -m benchmarks.border_cuts                          # rows, thin, marker, video, spacing
    python -m benchmarks.border_cuts --families rows --videos 1 --every 5

For every digit touching the border of every ``--every``-th frame of the rendered videos, its
box as the truth gives it (clipped to the frame) is measured by
:func:`camdigit.core.frame_border.border_shares` on the finder's own ink and paper: the darkest
of its ink on the border as a share of its strokes' darkness. The truth says which digits the
border cuts (``partial``) and which only reach it; a good bound lies above nearly every whole one
and below every cut one.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from benchmarks.run import VIDEO_SECONDS, VIDEO_SIZE, add_data_option, load_digits
from benchmarks.scenes import VIDEO_FAMILIES, family_seeds, render_video
from camdigit.core.finder import FinderConfig, to_gray
from camdigit.core.frame_border import GRAZE_DARK, border_shares
from camdigit.core.ink import find_ink
from camdigit.data.mnist import DataError

FAMILIES_MEASURED = ("rows", "thin", "marker", "video", "spacing")
"""Families whose digits often reach the border as the camera pans: big, thin and thick pens."""

BOUNDS = (0.5, 0.6, 0.7, 0.8)
"""Shares at which the table counts the digits at or under them."""


def touching_shares(frame: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """The border share of each of ``boxes`` (the truth's, clipped to the frame) that touches
    the frame's border with at least 5 px each way and some ink; NaN for the others."""
    gray = to_gray(frame)
    height, width = gray.shape
    x0, y0 = np.maximum(boxes[:, 0], 0), np.maximum(boxes[:, 1], 0)
    x1 = np.minimum(boxes[:, 0] + boxes[:, 2], width)
    y1 = np.minimum(boxes[:, 1] + boxes[:, 3], height)
    clipped = np.stack([x0, y0, x1 - x0, y1 - y0], axis=1)
    on_border = (x0 <= 0) | (y0 <= 0) | (x1 >= width) | (y1 >= height)
    measured = on_border & (clipped[:, 2] >= 5) & (clipped[:, 3] >= 5)
    shares = np.full(len(boxes), np.nan)
    if measured.any():
        _, ink = find_ink(gray, FinderConfig())
        dark, _ = border_shares(gray, ink.mask, ink.paper, ink.step, clipped[measured])
        shares[measured] = np.where(np.isfinite(dark), dark, np.nan)
    return shares


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    add_data_option(parser)
    parser.add_argument(
        "--families", nargs="+", default=list(FAMILIES_MEASURED), choices=VIDEO_FAMILIES
    )
    parser.add_argument("--videos", type=int, default=3, help="videos per family")
    parser.add_argument("--every", type=int, default=2, help="measure every N-th frame")
    parser.add_argument("--seed", type=int, default=2026, help="video seed")
    args = parser.parse_args(argv)
    if args.videos < 1 or args.every < 1:
        parser.error("--videos and --every must be at least 1")
    try:
        images, labels, source = load_digits(args.data)
    except DataError as exc:
        print(f"benchmark: error: {exc}", file=sys.stderr)
        return 2
    shares: dict[bool, list[float]] = {False: [], True: []}
    for family in args.families:
        for video_seed in family_seeds(family, args.videos, args.seed):
            video = render_video(
                images, labels, video_seed, size=VIDEO_SIZE, seconds=VIDEO_SECONDS, family=family
            )
            for frame, truth in list(zip(video.frames, video.truths, strict=True))[:: args.every]:
                measured = touching_shares(frame, truth.boxes)
                for share, cut in zip(measured.tolist(), truth.partial.tolist(), strict=True):
                    if not np.isnan(share):
                        shares[bool(cut)].append(share)
    print(f"digits: {source}; {args.videos} videos per family ({', '.join(args.families)}),")
    print(f"every {args.every}. frame, seed {args.seed}; bound in use: {GRAZE_DARK}")
    head = "".join(f"{f'<= {b}':>8}" for b in BOUNDS)
    print(f"{'digits':<8}{'count':>6}{'p5':>7}{'p25':>7}{'median':>8}{head}")
    for cut, name in ((False, "whole"), (True, "cut")):
        values = np.array(shares[cut])
        if not len(values):
            print(f"{name:<8}{0:>6}")
            continue
        p5, p25, p50 = np.percentile(values, [5, 25, 50])
        under = "".join(f"{(values <= b).mean() * 100:>7.0f}%" for b in BOUNDS)
        print(f"{name:<8}{len(values):>6}{p5:>7.2f}{p25:>7.2f}{p50:>8.2f}{under}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
