"""The find stage alone: milliseconds per frame of ``DigitFinder.find`` on each still family.

    python -m benchmarks.find_speed                          # clean, texture, clutter, grid
    python -m benchmarks.find_speed --families clean boxes --scenes 8
    python -m benchmarks.find_speed --whole --families rotated   # the whole still's reading

The speed part of ``python -m benchmarks.run`` times the whole pipeline on a video, where the
machine's drift from run to run (a millisecond and more on a shared machine) hides what a change
to the finder costs. This times the finder alone on the same rendered stills, one thread, each
frame found once to warm up and then the best of ``--passes`` passes over them: run it on two
commits back to back, twice, alternated, to compare them. ``--whole`` times a still's whole
reading instead (``Recognizer.process``: find, normalize, the model's calls, the choice, the
second looks and the checks, the numbers), the int8 model on one thread.
"""

from __future__ import annotations

import argparse
import sys
import time

import cv2

from benchmarks.run import add_data_option, load_digits
from benchmarks.scenes import FAMILIES, scene_set
from camdigit.core.classifier import DigitClassifier
from camdigit.core.finder import DigitFinder
from camdigit.core.pipeline import Recognizer
from camdigit.data.mnist import DataError

FAMILIES_TIMED = ("clean", "texture", "clutter", "grid")
"""Ordinary pages, a textured ground, letters beside the digits, graph paper: the finder's
cheapest frames and its dearest."""


def find_ms(frames: list, passes: int, whole: bool = False) -> float:
    """The best, over ``passes`` passes, of the mean milliseconds ``DigitFinder.find`` takes
    per frame of ``frames`` (each found once before, to warm up); with ``whole``, a still's
    whole reading (``Recognizer.process``)."""
    if whole:
        recognizer = Recognizer(DigitClassifier(threads=1))

        def stage(frame) -> object:
            return recognizer.process(frame, still=True)
    else:
        stage = DigitFinder().find
    for frame in frames:
        stage(frame)
    best = float("inf")
    for _ in range(passes):
        started = time.perf_counter()
        for frame in frames:
            stage(frame)
        best = min(best, (time.perf_counter() - started) / len(frames) * 1e3)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    add_data_option(parser)
    parser.add_argument("--families", nargs="+", default=list(FAMILIES_TIMED), choices=FAMILIES)
    parser.add_argument("--scenes", type=int, default=4, help="stills per family")
    parser.add_argument("--passes", type=int, default=3, help="timed passes; the best counts")
    parser.add_argument("--seed", type=int, default=2026, help="scene seed")
    parser.add_argument(
        "--whole", action="store_true", help="time a still's whole reading, not the find stage"
    )
    args = parser.parse_args(argv)
    if args.scenes < 1 or args.passes < 1:
        parser.error("--scenes and --passes must be at least 1")
    cv2.setNumThreads(1)
    try:
        images, labels, source = load_digits(args.data)
    except DataError as exc:
        print(f"benchmark: error: {exc}", file=sys.stderr)
        return 2
    print(f"digits: {source}; {args.scenes} stills per family, seed {args.seed}, 1 thread")
    print(f"{'family':<12} {('read' if args.whole else 'find') + ' ms/frame':>14}")
    for family in args.families:
        frames = [s.image for s in scene_set(images, labels, [family], args.scenes, args.seed)]
        print(f"{family:<12} {find_ms(frames, args.passes, args.whole):>14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
