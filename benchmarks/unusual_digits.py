"""Digits MNIST rarely has, for measuring fine-tuning: European 1s (a long flag: the shipped
model reads most as 7) and crossed 7s, drawn with random jitter.

    python -m benchmarks.unusual_digits OUT [--count 100] [--seed 11]

writes ``OUT/1/european-1-*.png`` and ``OUT/7/crossed-7-*.png`` (dark ink on light paper), a
set for ``train.py --extra OUT --fine-tune models/digits.keras`` (the README's figure).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

KINDS = (("european-1", 1), ("crossed-7", 7))


def draw_unusual(kind: str, rng: np.random.Generator) -> np.ndarray:
    """One 100x100 digit of ``kind`` ("european-1" or "crossed-7")."""

    def jitter(x: int, y: int) -> tuple[int, int]:
        return int(x + rng.integers(-4, 5)), int(y + rng.integers(-4, 5))

    page = np.full((100, 100), 235, np.uint8)
    thickness = int(rng.integers(5, 9))
    if kind == "european-1":
        stroke = [jitter(22, 42), jitter(60, 10), jitter(55, 90)]
        cv2.polylines(page, [np.array(stroke)], False, 20, thickness)
    else:
        stroke = [jitter(20, 15), jitter(78, 15), jitter(42, 90)]
        cv2.polylines(page, [np.array(stroke)], False, 20, thickness)
        cv2.line(page, jitter(38, 52), jitter(74, 52), 20, thickness)
    return page


def write_unusual(out: Path, count: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for kind, label in KINDS:
        folder = out / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            cv2.imwrite(str(folder / f"{kind}-{i}.png"), draw_unusual(kind, rng))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=100, help="digits of each kind")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    write_unusual(args.out, args.count, args.seed)
    print(f"wrote {2 * args.count} digits in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
