"""Soak test: a long run from a synthetic camera, watching memory, file descriptors and speed.

    python -m benchmarks.soak [--frames 50000] [--json soak.json]

The source plays a few rendered 640x480 pages (MNIST test digits) with a hand-held wobble, as
a camera that never stops; every frame goes through the real run loop (find, classify, track,
draw) and its JSON line is written to a file. Resident memory and open file descriptors are
sampled as it goes. It passes when memory after warm-up grows by at most 5 MB, no descriptor
leaks, and the last stretch is no slower than the first by more than 20%.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from benchmarks.run import load_digits
from benchmarks.scenes import render_scene
from camdigit.core.classifier import DigitClassifier
from camdigit.core.detections import FrameResult
from camdigit.core.pipeline import Recognizer
from camdigit.core.tracking import DigitTracker
from camdigit.data.mnist import DEFAULT_DATA_DIR
from camdigit.io.outputs import JsonLinesWriter
from camdigit.io.runner import run
from camdigit.io.sources import Frame, FrameSource
from camdigit.machine import describe_machine

WARM_UP = 2000
MAX_GROWTH_MB = 5.0


class WobblingCamera(FrameSource):
    """Endless frames of a few pages, each held for a while and shaken by a pixel or two."""

    def __init__(self, pages: list[np.ndarray], frames: int, hold: int = 300) -> None:
        super().__init__()
        self.pages = pages
        self.frames = frames
        self.hold = hold
        self.name = "synthetic-camera"
        self.live = True
        self.fps = 30.0

    def __iter__(self) -> Iterator[Frame]:
        for index in range(self.frames):
            page = self.pages[(index // self.hold) % len(self.pages)]
            dx, dy = int(2 * np.sin(index * 0.3)), int(2 * np.cos(index * 0.21))
            shift = np.float32([[1, 0, dx], [0, 1, dy]])
            image = cv2.warpAffine(
                page, shift, (page.shape[1], page.shape[0]), borderMode=cv2.BORDER_REPLICATE
            )
            yield Frame(image, index, index / self.fps, self.name)


def resident_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


class Sampler:
    """Memory, descriptors and time per frame, every ``every`` frames."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.rows: list[dict] = []
        self._count = 0
        self._clock = time.perf_counter()

    def __call__(self, result: FrameResult) -> None:
        self._count += 1
        if self._count % self.every:
            return
        now = time.perf_counter()
        self.rows.append(
            {
                "frame": self._count,
                "rss_mb": round(resident_mb(), 2),
                "fds": open_fds(),
                "ms_per_frame": round((now - self._clock) * 1e3 / self.every, 3),
            }
        )
        self._clock = now


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=50_000)
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA_DIR if DEFAULT_DATA_DIR.is_dir() else None
    )
    parser.add_argument("--json", type=Path, help="write the samples here")
    args = parser.parse_args(argv)
    if args.frames < 2 * WARM_UP:
        parser.error(f"--frames must be at least {2 * WARM_UP}")
    images, labels, source_text = load_digits(args.data)
    cv2.setNumThreads(1)
    pages = [
        render_scene(images, labels, family, seed, size=(640, 480)).image
        for seed, family in enumerate(("clean", "ruled", "shadow", "ink"))
    ]
    recognizer = Recognizer(DigitClassifier(threads=1), tracker=DigitTracker())
    sampler = Sampler(every=1000)
    print(f"machine: {describe_machine()}\ndigits: {source_text}\nframes: {args.frames}")
    with tempfile.TemporaryDirectory() as tmp:
        writer = JsonLinesWriter(Path(tmp) / "soak.jsonl")
        start_fds = open_fds()
        started = time.monotonic()
        run(
            WobblingCamera(pages, args.frames),
            recognizer,
            json_writer=writer,
            on_result=sampler,
            annotate=True,
        )
        seconds = time.monotonic() - started
    rows = sampler.rows
    print(f"{'frame':>8}{'RSS MB':>9}{'fds':>6}{'ms/frame':>10}")
    for row in rows[:: max(1, len(rows) // 12)] + ([rows[-1]] if rows else []):
        print(f"{row['frame']:>8}{row['rss_mb']:>9.1f}{row['fds']:>6}{row['ms_per_frame']:>10.2f}")
    warm = next(r for r in rows if r["frame"] >= WARM_UP)
    growth = rows[-1]["rss_mb"] - warm["rss_mb"]
    first = np.mean([r["ms_per_frame"] for r in rows[2:7]])
    last = np.mean([r["ms_per_frame"] for r in rows[-5:]])
    fd_leak = rows[-1]["fds"] - start_fds
    ok = growth <= MAX_GROWTH_MB and fd_leak <= 0 and last <= first * 1.2
    print(
        f"\n{args.frames} frames in {seconds:.0f} s ({args.frames / seconds:.0f} FPS); resident "
        f"memory {warm['rss_mb']:.1f} MB after warm-up, {rows[-1]['rss_mb']:.1f} MB at the "
        f"end ({growth:+.1f} MB, at most +{MAX_GROWTH_MB:.0f}); file descriptors "
        f"{start_fds} -> {rows[-1]['fds']}; ms per frame {first:.2f} early, {last:.2f} late"
    )
    print("soak passed" if ok else "soak FAILED")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": describe_machine(),
                    "frames": args.frames,
                    "seconds": round(seconds, 1),
                    "rss_growth_mb": round(growth, 2),
                    "fd_change": fd_leak,
                    "ms_per_frame_early": round(float(first), 3),
                    "ms_per_frame_late": round(float(last), 3),
                    "samples": rows,
                    "passed": bool(ok),
                },
                indent=2,
            )
            + "\n"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
