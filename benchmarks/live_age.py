"""Age of the frames a slow loop processes from a live source: newest frame against in order.

    python -m benchmarks.live_age [--fps 30] [--slowdown 3] [--frames 40] [--busy]

A fake camera delivers a frame every 1/fps seconds (its read blocks until the next frame is
due, as a camera's does). A loop ``--slowdown`` times slower than the camera takes frames from
it; each frame's age, from the moment the camera delivered it to the moment the loop starts on
it, is printed in source frame periods.

- ``newest``: camdigit's way for cameras and streams (:class:`camdigit.io.latest_frame.LiveSource`,
  a reader thread that keeps only the newest frame). Target: median and max under two periods.
- ``in order``: every frame queued and processed in turn, as a stream's buffers do when read
  frame by frame; shown for contrast (the loop falls further behind with every frame).

The loop's work is a sleep by default; ``--busy`` spins in Python instead, holding the GIL, to
show the reader thread still gets its turn. Exits 1 when the newest-frame ages miss the target.
"""

from __future__ import annotations

import argparse
import queue
import statistics
import sys
import threading
import time

import numpy as np

from camdigit.io.latest_frame import LiveSource

TARGET_PERIODS = 2.0


class FakeCamera:
    """Frames at a fixed rate from its first read on: each read waits for the next frame."""

    def __init__(self, fps: float, count: int) -> None:
        self.period = 1.0 / fps
        self.count = count
        self.image = np.zeros((480, 640, 3), np.uint8)
        self._next = 0
        self._start: float | None = None

    def read(self) -> np.ndarray | None:
        if self._next >= self.count:
            return None
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._next * self.period
        time.sleep(max(0.0, due - time.monotonic()))
        self._next += 1
        return self.image


def work(seconds: float, busy: bool) -> None:
    """The loop's processing of one frame."""
    if not busy:
        time.sleep(seconds)
        return
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def newest_ages(fps: float, slowdown: float, frames: int, busy: bool) -> tuple[list[float], int]:
    """Ages (in frame periods) of the frames processed through :class:`LiveSource`, and the
    frames it dropped."""
    period = 1.0 / fps
    camera = FakeCamera(fps, 10**9)
    source = LiveSource("fake-camera", camera.read, fps=fps)
    ages = []
    with source:
        for frame in source:
            ages.append((time.monotonic() - (source.started + frame.time)) / period)
            if len(ages) == frames:
                break
            work(slowdown * period, busy)
    return ages, source.dropped


def in_order_ages(fps: float, slowdown: float, frames: int, busy: bool) -> list[float]:
    """Ages (in frame periods) of the frames processed in order from an unbounded queue."""
    period = 1.0 / fps
    camera = FakeCamera(fps, frames * int(slowdown + 1))
    queued: queue.Queue[tuple[np.ndarray, float] | None] = queue.Queue()

    def reader() -> None:
        while (image := camera.read()) is not None:
            queued.put((image, time.monotonic()))
        queued.put(None)

    threading.Thread(target=reader, daemon=True).start()
    ages = []
    while len(ages) < frames and (item := queued.get()) is not None:
        ages.append((time.monotonic() - item[1]) / period)
        work(slowdown * period, busy)
    return ages


def describe(name: str, ages: list[float]) -> str:
    shown = " ".join(f"{a:.1f}" for a in ages)
    return (
        f"{name:>9}: median {statistics.median(ages):.2f}, max {max(ages):.2f} periods "
        f"over {len(ages)} frames\n           ages: {shown}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--fps", type=float, default=30.0, help="the fake camera's frame rate")
    parser.add_argument(
        "--slowdown",
        type=float,
        default=3.0,
        help="the loop's time per frame, in camera frame periods",
    )
    parser.add_argument("--frames", type=int, default=40, help="frames the loop processes")
    parser.add_argument(
        "--busy",
        action="store_true",
        help="the loop's work spins in Python (holding the GIL) instead of sleeping",
    )
    parser.add_argument(
        "--no-contrast", dest="contrast", action="store_false", help="skip the in-order run"
    )
    args = parser.parse_args(argv)
    if args.fps <= 0 or args.slowdown < 0 or args.frames < 1:
        parser.error("--fps and --frames must be positive, --slowdown at least 0")

    print(
        f"fake camera at {args.fps:g} FPS (period {1e3 / args.fps:.1f} ms); the loop takes "
        f"{args.slowdown:g} periods per frame ({'busy' if args.busy else 'sleeping'})"
    )
    ages, dropped = newest_ages(args.fps, args.slowdown, args.frames, args.busy)
    print(describe("newest", ages))
    print(f"           {dropped} frames dropped (counted by the source)")
    if args.contrast:
        print(describe("in order", in_order_ages(args.fps, args.slowdown, args.frames, args.busy)))
    ok = statistics.median(ages) < TARGET_PERIODS and max(ages) < TARGET_PERIODS
    print(
        f"target: newest-frame ages under {TARGET_PERIODS:g} periods: {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
