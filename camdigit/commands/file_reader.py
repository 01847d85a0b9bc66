"""Reading whole files as ``camdigit run`` reads each file of a folder, the part that runs
where the files are read: in this process, in a worker process (:mod:`camdigit.commands.workers`) or
in a Ray task (:mod:`camdigit.commands.cluster`). Both back ends import this module, and neither
imports the other at module level.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from camdigit.io.sources import SourceError

AHEAD = 4
"""Files handed out per worker beyond the oldest unfinished one: enough that no worker waits
for work while another reads a long file, few enough that little waits in the driver."""

PART_FRAMES = 32
"""A worker sends a file's lines at least every this many frames..."""

PART_SECONDS = 0.5
"""... or this many seconds, so that the progress bar moves and a worker holds little."""

_NOT_SENT = {"handler"}
"""Parsed flags not sent to workers (the subcommand's function)."""


def machine_cores() -> int:
    """The cores this process may run on (its affinity where the system says, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# ------------------------------------------------------------------------ the worker's side


@dataclass(frozen=True)
class ReadSettings:
    """What every worker needs to read files as ``camdigit run`` would in one process."""

    flags: dict  # the run's parsed flags (picklable values), for make_recognizer
    save: str | None  # the --save folder
    lines: bool  # --json given: send JSON lines back
    printing: bool  # no output chosen: send back what run prints

    @classmethod
    def from_args(cls, args: argparse.Namespace, printing: bool, model: Path) -> ReadSettings:
        """The settings of a parsed ``camdigit run``; ``model`` is the model file found."""
        flags: dict = {}
        for name, value in vars(args).items():
            if name in _NOT_SENT:
                continue
            try:
                pickle.dumps(value)
            except Exception:  # noqa: BLE001 (anything a worker cannot receive stays here)
                continue
            flags[name] = value
        flags["model"] = model
        return cls(flags, str(args.save) if args.save else None, bool(args.json), printing)


@dataclass
class FilePart:
    """Part of one file's results, sent from a worker to the driver; the last has ``done``."""

    index: int  # the file's place in the run's list
    frames: int = 0
    digits: int = 0
    lines: list[str] = field(default_factory=list)  # JSON lines, each ending in a newline
    printed: list[str] = field(default_factory=list)  # printed as read (photos' numbers)
    done: bool = False
    # set on the last part only:
    at_end: list[str] = field(default_factory=list)  # printed after all files (videos)
    records: list[logging.LogRecord] = field(default_factory=list)  # its log, to replay
    problems: list[str] = field(default_factory=list)  # as FrameSource.problems
    written: list[str] = field(default_factory=list)  # --save files
    error: BaseException | None = None  # what stopped the worker reading it
    pid: int = 0  # the worker's process id, and its peak resident memory so far (KiB)
    peak_kb: int | None = None


def json_line(result: object) -> str:
    """A frame's ``--json`` line, as :class:`camdigit.io.outputs.JsonLinesWriter` writes it."""
    return json.dumps(result.to_json(), separators=(",", ":")) + "\n"  # type: ignore[attr-defined]


def peak_memory_kb() -> int | None:
    """This process's peak resident memory (``VmHWM``) in KiB; None where /proc has none."""
    try:
        with open("/proc/self/status", "rb") as status:
            text = status.read()
    except OSError:
        return None
    start = text.find(b"VmHWM:")
    if start < 0:
        return None
    return int(text[start + 6 : text.index(b"kB", start)])


class _Capture(logging.Handler):
    """Keeps a file's log records, made picklable, for the driver to replay in order."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
        copy = logging.makeLogRecord(record.__dict__)
        copy.msg, copy.args, copy.exc_info, copy.exc_text, copy.stack_info = (
            message,
            None,
            None,
            None,
            None,
        )
        self.records.append(copy)


def portable_error(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a RuntimeError saying what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")


class FileReader:
    """Reads whole files, one at a time, as ``camdigit run`` reads each file of a folder.

    Built once per worker (the model is loaded here). ``model`` replaces ``--model`` (Ray
    workers get the model's bytes and save them locally). With ``capture`` (another process
    than the driver's), each file's log records are sent with its last part for the driver to
    replay in order; without, they are logged here as they happen.
    """

    def __init__(
        self, settings: ReadSettings, model: Path | None = None, capture: bool = True
    ) -> None:
        from camdigit.commands.options import (
            make_recognizer,  # the same recognizer as one process builds
        )
        from camdigit.io.drawing import Annotator

        flags = argparse.Namespace(**settings.flags)
        if model is not None:
            flags.model = model
        self.settings = settings
        self.capture = capture
        self.recognizer = make_recognizer(flags)
        self.annotator = Annotator()
        self.turn = int(flags.turn)  # --turn: each frame turned before reading

    def read(self, index: int, path: str, emit: Callable[[FilePart], None]) -> None:
        """Read file ``path`` (the ``index``-th of the run), giving its parts to ``emit``;
        the last one has ``done`` set. Errors are sent, not raised (Ctrl-C excepted)."""
        from camdigit.io.outputs import AnnotatedWriter
        from camdigit.io.runner import format_numbers, run
        from camdigit.io.sources import MediaListSource

        settings = self.settings
        part = FilePart(index)
        sent = time.monotonic()
        video_frames = 0

        def on_result(result) -> None:
            nonlocal part, sent, video_frames
            part.frames += 1
            part.digits += len(result.detections)
            if settings.lines:
                part.lines.append(json_line(result))
            if settings.printing and result.still:
                part.printed.append(format_numbers(result.source, result.numbers))
            video_frames += not result.still
            now = time.monotonic()
            if part.frames >= PART_FRAMES or now - sent >= PART_SECONDS:
                emit(part)
                part, sent = FilePart(index), now

        capture = _Capture()
        logger = logging.getLogger("camdigit")
        if self.capture:
            logger.addHandler(capture)
        problems: list[str] = []
        written: list[str] = []
        try:
            # one file as a folder of one: the same skipping, warnings and --save names
            source = MediaListSource([Path(path)], path)
            saver = (
                AnnotatedWriter(settings.save, source, overwrite=True) if settings.save else None
            )
            try:
                summary = run(
                    source,
                    self.recognizer,
                    self.annotator,
                    saver=saver,
                    on_result=on_result,
                    turn=self.turn,
                )
            finally:
                problems = list(source.problems)
                written = [str(p) for p in saver.written] if saver is not None else []
            if settings.printing and video_frames:
                numbers = summary.steady_numbers(path)
                part.at_end.append(f"{path}: {' '.join(numbers) or 'no digits found'}")
        except Exception as exc:  # noqa: BLE001 (sent to the driver, which raises it in order)
            part.error = portable_error(exc)
        finally:
            logger.removeHandler(capture)
        part.done, part.records, part.problems, part.written = (
            True,
            capture.records,
            problems,
            written,
        )
        part.pid, part.peak_kb = os.getpid(), peak_memory_kb()
        emit(part)


class WorkerError(SourceError):
    """Reading stopped: a worker process (or a Ray task) died while reading files."""
