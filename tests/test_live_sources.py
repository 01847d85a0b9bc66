"""Live sources keep only the newest frame; files are read frame by frame; a stop is prompt; the
libraries' noise is turned down by their own settings, never by muting the process's stderr."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import cv2
import numpy as np
import pytest

from camdigit.io.latest_frame import LiveSource
from camdigit.io.sources import VideoSource, open_source
from tests.conftest import REPO


def image(i: int) -> np.ndarray:
    return np.full((8, 8, 3), i % 256, np.uint8)


def write_video(path, frames: int, size=(160, 120), fps=12.0, noise: bool = False) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened()
    rng = np.random.default_rng(0)
    for i in range(frames):
        frame = (
            rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
            if noise
            else np.full((size[1], size[0], 3), 20 * i % 256, np.uint8)
        )
        writer.write(frame)
    writer.release()


class Paced:
    """A fake camera: ``count`` frames, one every ``period`` seconds, then nothing."""

    def __init__(self, count: int, period: float = 0.0) -> None:
        self.count = count
        self.period = period
        self.done = threading.Event()
        self.released = 0
        self._next = 0

    def read(self) -> np.ndarray | None:
        if self._next >= self.count:
            self.done.set()
            return None
        if self.period:
            time.sleep(self.period)
        self._next += 1
        return image(self._next - 1)

    def release(self) -> None:
        self.released += 1


def test_a_loop_that_comes_late_gets_the_newest_frame_and_the_rest_are_counted():
    camera = Paced(10)
    go = threading.Event()
    read = camera.read

    def gated() -> np.ndarray | None:
        if camera._next == 1:
            go.wait(5)  # frame 0 first, alone; the other nine once the loop has it
        return read()

    source = LiveSource("fake", gated, release=camera.release)
    frames = iter(source)
    assert next(frames).index == 0
    go.set()
    assert camera.done.wait(5)  # the camera has delivered frames 1-9 while the loop was away
    rest = list(frames)
    assert [f.index for f in rest] == [9]  # only the newest of those waiting
    assert int(rest[0].image[0, 0, 0]) == 9
    assert source.dropped == 8  # frames 1-8: read, replaced, counted
    assert camera.released == 1


def test_a_slow_loop_processes_only_fresh_frames_and_every_frame_is_accounted_for():
    camera = Paced(60, period=0.004)
    source = LiveSource("fake", camera.read, fps=250)
    taken, behind = [], []
    with source:
        for frame in source:
            behind.append(source._reader.frames_read - 1 - frame.index)  # newer ones read
            taken.append(frame.index)
            time.sleep(0.012)  # three frame periods of "processing"
    assert taken == sorted(set(taken)) and taken[-1] == 59
    assert len(taken) < 45  # frames were skipped...
    assert len(taken) + source.dropped == 60  # ...and each one skipped was counted
    # what the loop took was the newest frame (one more may come in before `behind` is read)
    assert sorted(behind)[len(behind) // 2] == 0 and max(behind) <= 2


def test_close_ends_a_retry_wait_at_once(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, 5)
    # A "camera" that stops after 5 frames, retried for 30 s unless stopped.
    source = VideoSource(str(path), "camera:test", live=True, retry_seconds=30)
    got: list[int] = []
    ended = threading.Event()

    def consume() -> None:
        got.extend(f.index for f in source)
        ended.set()

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while source._reader.frames_read < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # now inside the retry wait
    started = time.monotonic()
    source.close()  # what the runner does on Ctrl-C or SIGTERM
    assert time.monotonic() - started < 1.0
    assert ended.wait(1.0), "the loop is still waiting for frames"
    assert got and got[-1] == 4
    assert not any("gave no frame" in p for p in source.problems)  # stopped, not timed out
    assert not source._reader._thread.is_alive()
    assert source._capture is None  # released by the reader as it ended


def test_a_recover_function_is_woken_by_close():
    woke = []
    source = None

    def recover() -> bool:
        woke.append(source.stop_event.wait(30))  # a stop ends the wait
        return False

    source = LiveSource("fake", lambda: None, recover=recover)
    thread = threading.Thread(target=lambda: list(source), daemon=True)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    source.close()
    thread.join(1.0)
    assert not thread.is_alive() and time.monotonic() - started < 1.0
    assert woke == [True]


def test_closing_a_live_source_never_started_releases_it_once():
    camera = Paced(3)
    source = LiveSource("fake", camera.read, release=camera.release)
    source.close()
    source.close()
    assert camera.released == 1
    assert list(source) == []


def test_a_reader_error_ends_the_source_with_its_reason():
    def read() -> np.ndarray:
        raise RuntimeError("the USB device went away")

    source = LiveSource("fake", read)
    assert list(source) == []
    assert source.problems == ["fake failed: the USB device went away"]


def test_files_are_still_read_frame_by_frame(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, 12)
    threads = threading.active_count()
    source = open_source(str(path))
    assert isinstance(source, VideoSource) and not source.live
    indexes = []
    for frame in source:
        assert threading.active_count() == threads  # no reader thread
        indexes.append(frame.index)
        time.sleep(0.01)  # a slow loop skips nothing in a file
    assert indexes == list(range(12))
    assert source.dropped == 0


def test_library_noise_is_off_and_other_threads_stderr_is_not_lost(tmp_path):
    """A damaged video makes FFmpeg's decoder talk and a refused stream makes FFmpeg and OpenCV
    talk: none of it reaches stderr, while a thread writing to descriptor 2 all along loses
    nothing (the old way pointed descriptor 2 at /dev/null around every read)."""
    clean = tmp_path / "clean.mp4"
    write_video(clean, 30, noise=True)
    data = bytearray(clean.read_bytes())
    for k in range(len(data) // 3, len(data) * 2 // 3, 97):
        data[k] ^= 0xFF
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    script = textwrap.dedent(f"""
        import os, threading, time
        from camdigit.io.sources import SourceError, open_source
        stop = threading.Event()
        def talk():
            n = 0
            while not stop.is_set():
                os.write(2, b"thread line %d\\n" % n)
                n += 1
                time.sleep(0.001)
            os.write(2, b"thread wrote %d\\n" % n)
        t = threading.Thread(target=talk)
        t.start()
        frames = sum(1 for _ in open_source({str(damaged)!r}))
        for spec in ("http://127.0.0.1:9/x.mjpg", "97"):
            try:
                open_source(spec)
            except SourceError:
                pass
        stop.set()
        t.join()
        print(frames)
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # camdigit's own one-line report stays; the libraries' lines do not
    lines = [line for line in result.stderr.splitlines() if "damaged or truncated" not in line]
    wrote = int(lines[-1].split()[-1])
    assert lines[:-1] == [f"thread line {n}" for n in range(wrote)]
    assert int(result.stdout) > 0


def test_the_live_age_benchmark_runs_and_reports_ages(capsys):
    from benchmarks import live_age

    with pytest.raises(SystemExit) as help_exit:
        live_age.main(["--help"])
    assert help_exit.value.code == 0 and "--slowdown" in capsys.readouterr().out
    live_age.main(["--frames", "4", "--fps", "100", "--no-contrast"])  # timing: not judged here
    out = capsys.readouterr().out
    assert "newest: median" in out and "frames dropped" in out and "target:" in out
