"""The run loop: frames from a source, through the recognizer, to the outputs and the window.

Everything it opens is closed in ``finally``: on the last frame, on an error, on Ctrl-C and on
SIGTERM (the command line turns SIGTERM into :class:`Terminated`), so the annotated video plays
and the JSON Lines hold every frame processed.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from camdigit.core.detections import FrameResult, Number
from camdigit.core.pipeline import Recognizer
from camdigit.io.display import Window
from camdigit.io.drawing import Annotator
from camdigit.io.frame_turns import turned_frame
from camdigit.io.outputs import AnnotatedWriter, JsonLinesWriter
from camdigit.io.sources import FrameSource


class Terminated(Exception):  # noqa: N818 (a signal, not an error)
    """SIGTERM arrived: stop as after Ctrl-C, closing every output."""


class FpsMeter:
    """Frames per second over the last ``window`` frames (monotonic clock)."""

    def __init__(self, window: int = 30) -> None:
        self._stamps: deque[float] = deque(maxlen=window)

    def tick(self) -> None:
        self._stamps.append(time.monotonic())

    @property
    def fps(self) -> float | None:
        if len(self._stamps) < 2:
            return None
        span = self._stamps[-1] - self._stamps[0]
        return (len(self._stamps) - 1) / span if span > 0 else None


class Progress:
    """A one-line progress bar on stderr: frames done, total, FPS (at most 4 updates a second)."""

    def __init__(self, total: int | None, stream: TextIO = sys.stderr) -> None:
        self.total = total
        self.stream = stream
        self.started = time.monotonic()
        self._last = 0.0
        self._shown = -1  # frames done at the last line written
        self._tty = stream.isatty()

    def update(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < (0.25 if self._tty else 5.0):
            return
        self._last = now
        fps = done / max(now - self.started, 1e-9)
        if self.total:
            share = min(1.0, done / self.total)
            bar = "#" * int(share * 24)
            text = f"[{bar:<24}] {done}/{self.total} frames  {fps:.1f} FPS"
        else:
            text = f"{done} frames  {fps:.1f} FPS"
        end = "\r" if self._tty else "\n"
        self._shown = done
        self.stream.write(f"camdigit: {text}{end}")
        self.stream.flush()

    def finish(self, done: int) -> None:
        if done == 0:
            return  # nothing read (an error at the first frame): the error says it all
        if self._tty or done != self._shown:  # a log (not a terminal) gets each line once
            self.update(done, force=True)
        if self._tty:
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class RunSummary:
    frames: int = 0
    digits: int = 0
    seconds: float = 0.0
    stopped_by: str | None = None  # "quit" (the window's q key); None: the input ended
    dropped: int = 0  # a live source's frames skipped to keep to the newest (FrameSource.dropped)
    # per source: text -> frames seen, in the order first read (reading order within a frame)
    numbers: dict[str, Counter] = field(default_factory=dict)
    last_numbers: dict[str, list[str]] = field(default_factory=dict)  # per source, last frame
    snapshots: list = field(default_factory=list)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def steady_numbers(self, source: str, min_frames: int = 3) -> list[str]:
        """Numbers of one source read in at least ``min_frames`` frames, in the order they were
        first read; for a photo, all of its numbers in reading order (a number written twice
        is listed twice)."""
        counts = self.numbers.get(source, Counter())
        if max(counts.values(), default=0) <= 1:
            return list(self.last_numbers.get(source, []))
        return [text for text, n in counts.items() if n >= min_frames]


def _at_edge(box: tuple[int, int, int, int], shape: tuple[int, ...], margin: int = 2) -> bool:
    """Whether a number may go on beyond the frame: its box reaches the top or bottom border,
    or stands within a digit's size (its own height) of the left or right one, where a digit
    cut by the border would not have been found."""
    x, y, w, h = box
    return y <= margin or y + h >= shape[0] - margin or x <= h or x + w >= shape[1] - h


def number_lines(numbers: list[Number]) -> list[list[str]]:
    """The numbers' texts, line by line in reading order."""
    lines: dict[int, list[str]] = {}
    for number in numbers:
        lines.setdefault(number.line, []).append(number.text)
    return [lines[line] for line in sorted(lines)]


def format_numbers(source: str, numbers: list[Number]) -> str:
    """A photo's numbers as ``camdigit run`` prints them: ``source: `` then one text line per
    written line, the later ones indented under the first."""
    lines = [" ".join(texts) for texts in number_lines(numbers)] or ["no digits found"]
    indent = "\n" + " " * (len(source) + 2)
    return f"{source}: {indent.join(lines)}"


def run(
    source: FrameSource,
    recognizer: Recognizer,
    annotator: Annotator | None = None,
    json_writer: JsonLinesWriter | None = None,
    saver: AnnotatedWriter | None = None,
    window: Window | None = None,
    progress: Progress | None = None,
    on_result: Callable[[FrameResult], None] | None = None,
    annotate: bool = False,
    summary: RunSummary | None = None,
    turn: int = 0,
) -> RunSummary:
    """Read every frame of ``source``; close the source and every output before returning.

    Frames are drawn on when saved or shown, or with ``annotate`` (to time drawing). A
    ``summary`` given is filled in as frames go: its counts survive a stop (Ctrl-C, SIGTERM),
    which is how a camera's run ends. ``turn``: degrees clockwise every frame is turned
    before it is read (a camera mounted sideways or upside down, :mod:`.frame_turns`).
    """
    summary = summary if summary is not None else RunSummary()
    meter = FpsMeter()
    annotator = annotator or Annotator()
    last_source: str | None = None
    started = time.monotonic()
    with contextlib.ExitStack() as closing:  # every close runs, even when one fails
        if progress is not None:
            closing.callback(lambda: progress.finish(summary.frames))
        if window is not None:
            closing.callback(window.close)
            closing.callback(lambda: summary.snapshots.extend(window.snapshots))
        if json_writer is not None:
            closing.callback(json_writer.close)
        if saver is not None:
            closing.callback(saver.close)
        closing.callback(source.close)
        closing.callback(lambda: setattr(summary, "seconds", time.monotonic() - started))
        closing.callback(lambda: setattr(summary, "dropped", source.dropped))
        frames = iter(source)
        while True:
            tick = time.perf_counter()
            frame = next(frames, None)
            if frame is None:
                break
            frame = turned_frame(frame, turn)
            decoded = time.perf_counter()
            if frame.source != last_source:
                recognizer.reset()
                last_source = frame.source
            result = recognizer.process(
                frame.image, frame.source, frame.index, frame.time, still=frame.still
            )
            result.timings["decode"] = (decoded - tick) * 1e3
            result.live = source.live
            if json_writer is not None:
                json_writer.write(result)
            if saver is not None or window is not None or annotate:
                drawn = time.perf_counter()
                work_ms = sum(v for k, v in result.timings.items() if k != "decode")
                image = annotator.annotate(frame.image, result, meter.fps, work_ms)
                result.timings["draw"] = (time.perf_counter() - drawn) * 1e3
                if saver is not None:
                    saver.write(image, frame.source, frame.still)
                if window is not None and not window.show(image):
                    summary.stopped_by = "quit"
                    break
            meter.tick()
            summary.frames += 1
            summary.digits += len(result.detections)
            tally = summary.numbers.setdefault(frame.source, Counter())
            # once a frame; in a video, a number the frame's edge cuts is not one that was read
            seen = [
                n.text
                for n in result.numbers
                if frame.still or not _at_edge(n.box, frame.image.shape)
            ]
            tally.update(dict.fromkeys(seen, 1))
            summary.last_numbers[frame.source] = [n.text for n in result.numbers]
            if on_result is not None:
                on_result(result)
            if progress is not None:
                progress.update(summary.frames)
    return summary
