"""Many files at once: worker processes, output in listed order, resumable JSON Lines.

``camdigit run SOURCE --workers N`` (SOURCE a folder or a glob) reads its files in N worker
processes; ``--ray [ADDRESS]`` sends them to a Ray cluster instead
(:mod:`camdigit.commands.cluster`). Both go through :func:`run_archive`, whose output is the same as
one process's:

- Each worker is its own process, forked from a fork server (a fresh interpreter that imported
  camdigit once; spawned where there is none): nothing of the driver's is inherited. It builds
  one recognizer with :func:`camdigit.commands.options.make_recognizer` from the run's flags, so
  the model is loaded once per worker and ``--threads`` (default 1) is per worker. A file is read
  by the same loop as in one process (:func:`camdigit.io.runner.run` over a one-file
  :class:`~camdigit.io.sources.MediaListSource`): tracks start afresh per file, a bad file is
  skipped with the same warning, ``--save`` writes the same files into the folder.
- A worker sends a file's results back in parts while it reads it (JSON lines, frame and digit
  counts, and at its end the file's log records, what ``run`` prints, the files saved); the
  driver writes each file's lines when all files listed before it are written, so a file's lines
  are contiguous and files keep the listed order: the ``--json`` file is byte for byte that of
  ``--workers 1``. Log records are replayed in the driver in the same order.
- Work in flight is bounded: a file is handed out only while it is fewer than :data:`AHEAD` per
  worker after the oldest unfinished one. Parts of files finished early wait in memory up to
  :data:`SPOOL_MEMORY` bytes in all, beyond that in temporary files, so the driver's memory does
  not grow with the number of files nor with their length.
- Ctrl-C or SIGTERM stops every worker (they ignore SIGINT themselves and are terminated by the
  driver), and every line written so far stays: lines are flushed as they are written. A worker
  that dies stops the run with an error naming its file; a worker whose driver died (killed)
  ends on its own, its pipe being closed.

Resuming (``--resume``) needs no extra record type: since files are written whole and in listed
order, every file whose lines are followed by another file's lines in the ``--json`` file is
complete, and so is every file listed before the last one there (read or skipped). The last
file there may be cut short: its lines, and any partial line after them, are removed and it is
read again with the files not in the file yet. A run killed at any point and resumed thus ends
with the file an unbroken run writes. See :func:`find_resume_point`.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import logging
import multiprocessing
import multiprocessing.connection
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol, TextIO

from camdigit.commands.file_reader import (
    AHEAD,
    FilePart,
    FileReader,
    ReadSettings,
    WorkerError,
    machine_cores,
    portable_error,
)
from camdigit.errors import UsageError
from camdigit.io.sources import SourceError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from camdigit.io.runner import Progress

log = logging.getLogger(__name__)

SPOOL_MEMORY = 16 * 2**20
"""Bytes of JSON lines of early-finished files the driver keeps in memory; more goes to
temporary files."""

# ----------------------------------------------------------------------------------- flags


def parse_workers(text: str) -> int:
    """``--workers``: a count from 1, or ``auto`` for the machine's cores."""
    if text.strip().lower() == "auto":
        return machine_cores()
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"give a number of workers or auto, not {text!r}"
        ) from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {count}")
    return count


def lists_files(spec: str) -> bool:
    """Whether SOURCE is several files (a folder or a glob), decided as
    :func:`camdigit.io.sources.open_source` decides it, without opening anything."""
    text = str(spec).strip()
    if not text or text.isdigit() or text == "picam" or text.startswith("picam:"):
        return False
    if "://" in text:
        return False
    path = Path(text).expanduser()
    if path.is_dir():
        return True
    return not path.exists() and glob.has_magic(text)


def wants_archive(args: argparse.Namespace) -> bool:
    """Whether ``camdigit run`` reads SOURCE with :func:`run_archive` (several files at once,
    ``--resume`` or ``--ray``) rather than in its own loop."""
    workers = getattr(args, "workers", 1)
    resume = getattr(args, "resume", False)
    ray = getattr(args, "ray", None)
    if resume or ray is not None:
        return True
    if workers > 1 and not lists_files(args.source):
        log.info("--workers: %s is not several files; reading it in one process", args.source)
        return False
    return workers > 1


def _worker_main(settings: ReadSettings, channel: Connection, level: int) -> None:
    """A worker process: builds its reader, then reads the files it is sent until None.

    It ends on its own when the driver goes away (killed): its end of the pipe is closed then,
    so waiting for a file or sending a part fails.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    logging.getLogger("camdigit").setLevel(level)
    try:
        try:
            reader = FileReader(settings)  # sets OpenCV's threads to --threads, as one process
        except BaseException as exc:  # noqa: BLE001 (the driver says why no worker could start)
            channel.send(("fatal", portable_error(exc)))
            return
        while (task := channel.recv()) is not None:
            reader.read(*task, channel.send)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass  # the driver is gone
    finally:
        channel.close()


# ------------------------------------------------------------------------------ back ends


class Backend(Protocol):
    """Reads the files it is given somewhere (here, in processes, on a cluster)."""

    workers: int  # files it reads at once
    description: str  # where, for the summary line ("with 2 workers")

    def submit(self, index: int, path: str) -> None: ...

    def wait(self, deliver: Callable[[FilePart], None]) -> None:
        """Block until at least one part has been given to ``deliver``."""

    def close(self, completed: bool) -> None:
        """Stop: wait for the workers to end (``completed``) or end them now."""


class InProcess:
    """Reads the files in this process, one after the other (``--workers 1 --resume``)."""

    workers = 1
    description = "in one process"

    def __init__(self, settings: ReadSettings) -> None:
        self._reader = FileReader(settings, capture=False)
        self._queue: deque[tuple[int, str]] = deque()

    def submit(self, index: int, path: str) -> None:
        self._queue.append((index, path))

    def wait(self, deliver: Callable[[FilePart], None]) -> None:
        index, path = self._queue.popleft()
        self._reader.read(index, path, deliver)

    def close(self, completed: bool) -> None:
        self._queue.clear()


def worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start: from a fork server where the system has one (a fresh
    interpreter that imports camdigit once, then forks each worker from that clean state: no
    thread, file or model of the driver's is inherited, and N workers cost one import), else
    spawned (each a fresh interpreter)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["camdigit.commands.workers", "camdigit.commands.options"])
        return context
    return multiprocessing.get_context("spawn")


def _is_image(path: str) -> bool:
    from camdigit.io.sources import IMAGE_SUFFIXES

    return Path(path).suffix.lower() in IMAGE_SUFFIXES


class _Worker:
    def __init__(self, process: multiprocessing.process.BaseProcess, channel: Connection) -> None:
        self.process = process
        self.channel = channel
        self.reading: deque[tuple[int, str]] = deque()  # files sent to it, not finished yet

    def can_take(self, path: str) -> bool:
        """A free worker takes any file; one reading a photo also the next photo, queued on
        its pipe, so that it need not wait for the driver between short files (a video is
        long enough for that wait not to count, and one queued behind it would wait long)."""
        if not self.reading:
            return True
        return len(self.reading) == 1 and _is_image(self.reading[0][1]) and _is_image(path)


class ProcessPool:
    """N worker processes (see :func:`worker_context`), each sent a file at a time (two short
    ones: :meth:`_Worker.can_take`).

    One pipe per worker: a file goes to a worker that is free, parts come back on its pipe. A
    worker sending faster than the driver writes waits on its pipe (no queue grows), and a
    worker that dies is seen at once (its pipe closes) with the file it was reading.
    """

    def __init__(self, settings: ReadSettings, workers: int) -> None:
        context = worker_context()
        level = logging.getLogger("camdigit").getEffectiveLevel()
        self.workers = workers
        self.description = f"with {workers} workers"
        self._pool: list[_Worker] = []
        self._waiting: deque[tuple[int, str]] = deque()  # submitted, not sent to a worker yet
        try:
            for number in range(workers):
                ours, theirs = context.Pipe()
                process = context.Process(
                    target=_worker_main,
                    args=(settings, theirs, level),
                    name=f"camdigit-worker-{number + 1}",
                    daemon=True,
                )
                self._pool.append(_Worker(process, ours))
                process.start()
                theirs.close()  # the worker's end lives in the worker only
        except BaseException:
            self.close(completed=False)
            raise

    def submit(self, index: int, path: str) -> None:
        self._waiting.append((index, path))
        self._dispatch()

    def _dispatch(self) -> None:
        """Files to free workers first, in order; then the next photo to one reading a photo."""
        for queue_behind in (False, True):
            for worker in self._pool:
                if not self._waiting:
                    return
                if bool(worker.reading) == queue_behind and worker.can_take(self._waiting[0][1]):
                    task = self._waiting.popleft()
                    worker.reading.append(task)
                    worker.channel.send(task)

    def wait(self, deliver: Callable[[FilePart], None]) -> None:
        busy = {worker.channel: worker for worker in self._pool if worker.reading}
        if not busy:
            raise RuntimeError("no file is being read")  # read_files submits first: a bug
        sentinels = {worker.process.sentinel: worker for worker in busy.values()}
        ready = multiprocessing.connection.wait([*busy, *sentinels])
        for handle in ready:
            worker = busy.get(handle)  # type: ignore[call-overload]
            if worker is None:
                continue  # a process ended: its pipe says so too (EOF), handled below
            try:
                message = worker.channel.recv()
            except (EOFError, OSError):
                raise self._died(worker) from None
            if isinstance(message, tuple) and message[0] == "fatal":
                raise message[1]
            if message.done:
                worker.reading.popleft()
            deliver(message)
        for handle in ready:
            worker = sentinels.get(handle)  # type: ignore[call-overload]
            if worker is not None and worker.reading and not worker.channel.poll():
                raise self._died(worker)
        self._dispatch()

    def _died(self, worker: _Worker) -> WorkerError:
        worker.process.join(1.0)
        name = worker.reading[0][1] if worker.reading else "no file"
        return WorkerError(
            f"worker process {worker.process.name} died (exit code "
            f"{worker.process.exitcode}) while reading {name}; the lines written "
            f"so far are kept (--resume goes on from there)"
        )

    def close(self, completed: bool) -> None:
        started = [worker for worker in self._pool if worker.process.pid is not None]
        if completed:
            for worker in started:
                with contextlib.suppress(OSError):
                    worker.channel.send(None)
            deadline = time.monotonic() + 10.0
            for worker in started:
                worker.process.join(max(0.0, deadline - time.monotonic()))
        for worker in started:
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in started:
            worker.process.join(2.0)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(2.0)
        for worker in self._pool:
            worker.channel.close()


# ------------------------------------------------------------------------- the driver side


class _Waiting:
    """A file finished (or being read) before the files listed ahead of it: its parts wait."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.size = 0  # bytes in chunks (characters; JSON lines are ASCII)
        self.spill: IO[str] | None = None
        self.printed: list[str] = []
        self.last: FilePart | None = None  # the part with ``done``, once it came

    def add(self, text: str, spill: bool) -> int:
        """Keep ``text``; in a temporary file when ``spill`` or once spilled. Returns the
        bytes now held in memory more (negative when moved out)."""
        if spill and self.spill is None:
            # closed by drain() or OrderedOutput.close()
            self.spill = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
            self.spill.write("".join(self.chunks))
            released, self.chunks, self.size = -self.size, [], 0
        else:
            released = 0
        if self.spill is not None:
            self.spill.write(text)
            return released
        self.chunks.append(text)
        self.size += len(text)
        return released + len(text)

    def drain(self) -> Iterator[str]:
        if self.spill is None:
            yield from self.chunks
            return
        with self.spill:
            self.spill.seek(0)
            while block := self.spill.read(2**20):
                yield block
        self.spill = None


@dataclass
class ArchiveSummary:
    """What a run over many files did."""

    files: int = 0  # read (or skipped as bad) in this run
    frames: int = 0
    digits: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # --save files
    at_end: list[str] = field(default_factory=list)  # printed after all files (videos)
    worker_peaks_mb: dict[int, float] = field(default_factory=dict)  # per worker process id
    kept_files: int = 0  # --resume: files already complete in the --json file

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


class OrderedOutput:
    """Takes parts in any order and writes them in listed order: a file's JSON lines, printed
    text and log records go out when every file before it is out."""

    def __init__(
        self,
        stream: TextIO | None,
        summary: ArchiveSummary,
        progress: Progress | None = None,
        printing: bool = False,
    ) -> None:
        self.stream = stream
        self.summary = summary
        self.progress = progress
        self.printing = printing
        self.head = 0  # the first file not yet written whole
        self._waiting: dict[int, _Waiting] = {}
        self._in_memory = 0

    def add(self, part: FilePart) -> None:
        self.summary.frames += part.frames
        self.summary.digits += part.digits
        if part.index == self.head:
            self._write(part.lines, part.printed)
            if part.done:
                self._finish(part)
                self._advance()
        else:
            waiting = self._waiting.setdefault(part.index, _Waiting())
            if part.lines:
                self._in_memory += waiting.add("".join(part.lines), self._in_memory >= SPOOL_MEMORY)
            waiting.printed += part.printed
            if part.done:
                waiting.last = part
        if self.progress is not None and part.frames:
            self.progress.update(self.summary.frames)

    def _write(self, lines: list[str], printed: list[str]) -> None:
        if lines and self.stream is not None:
            self.stream.write("".join(lines))
            self.stream.flush()
        for text in printed:
            print(text, flush=True)

    def _advance(self) -> None:
        """The head file is done: write the waiting files that now come next."""
        while self.head in self._waiting:
            waiting = self._waiting.pop(self.head)
            self._in_memory -= waiting.size
            if self.stream is not None:
                for text in waiting.drain():
                    self.stream.write(text)
                self.stream.flush()
            for text in waiting.printed:
                print(text, flush=True)
            if waiting.last is None:
                return  # still being read: its next parts are written as they come
            self._finish(waiting.last)

    def _finish(self, part: FilePart) -> None:
        summary = self.summary
        for record in part.records:
            logger = logging.getLogger(record.name)
            if logger.isEnabledFor(record.levelno):
                logger.handle(record)
        if part.pid and part.peak_kb is not None:
            summary.worker_peaks_mb[part.pid] = part.peak_kb / 1024.0
        if part.error is not None:
            raise part.error
        summary.files += 1
        summary.problems += part.problems
        summary.written += part.written
        if self.printing:
            summary.at_end += part.at_end
        self.head += 1

    def close(self) -> None:
        for waiting in self._waiting.values():
            if waiting.spill is not None:
                waiting.spill.close()
        self._waiting.clear()


def read_files(names: list[str], backend: Backend, output: OrderedOutput) -> None:
    """Hand ``names`` to ``backend`` (at most :data:`AHEAD` per worker past the oldest
    unfinished one) and give every part to ``output`` until all are written."""
    window = max(2, AHEAD * backend.workers)
    submitted = 0
    while output.head < len(names):
        while submitted < len(names) and submitted < output.head + window:
            backend.submit(submitted, names[submitted])
            submitted += 1
        backend.wait(output.add)


# -------------------------------------------------------------------------------- resume


@dataclass(frozen=True)
class ResumePoint:
    """Where a ``--json`` file stands: what to keep, and which files are complete in it."""

    keep_bytes: int  # its length once the last file's lines (maybe cut short) are removed
    kept_lines: int
    complete: frozenset[str]  # sources whose lines are all there
    redo: str | None  # the last source in it, whose lines are removed and read again


def find_resume_point(path: Path) -> ResumePoint:
    """Scan a ``--json`` file written by ``camdigit run`` (of any number of workers).

    Files are written whole and in order, so a source followed by another one is complete;
    the last one may have been cut short (as may its last line): it is to be read again.
    """
    complete: set[str] = set()
    last: str | None = None
    last_start = lines_before_last = lines = 0
    offset = 0
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, 1):
            if not raw.endswith(b"\n"):
                break  # a line cut short by the kill: dropped
            try:
                source = json.loads(raw)["source"]
            except (ValueError, KeyError, TypeError):
                raise UsageError(
                    f"--resume: line {number} of {path} is not a camdigit run "
                    f"record; give the --json file of an earlier run"
                ) from None
            if source != last:
                if last is not None:
                    complete.add(last)
                if source in complete:
                    raise UsageError(
                        f"--resume: {path} holds the lines of {source} in two "
                        f"places; it was not written by one camdigit run"
                    )
                last, last_start, lines_before_last = source, offset, lines
            offset += len(raw)
            lines += 1
    if last is None:
        return ResumePoint(0, 0, frozenset(), None)
    return ResumePoint(last_start, lines_before_last, frozenset(complete), last)


# ---------------------------------------------------------------------------- the command


def run_archive(args: argparse.Namespace) -> int:
    """``camdigit run`` for a folder or glob with ``--workers``, ``--resume`` or ``--ray``."""
    from camdigit.core.classifier import DigitClassifier
    from camdigit.io.outputs import check_writable

    _check_flags(args)
    classifier = DigitClassifier(args.model, threads=1)  # refuse a bad model before any work
    if args.json and args.json != "-":
        check_writable(Path(args.json))
    printing = not (args.save or args.json)
    settings = ReadSettings.from_args(args, printing, classifier.path)
    # Started first: the workers (or Ray) load while the files are listed and checked here.
    backend = _start_backend(args, settings, classifier.path)
    try:
        summary, name, kept = _read_archive(args, backend, printing)
    except BaseException:
        backend.close(completed=False)
        raise
    backend.close(completed=True)
    for text in summary.at_end:
        print(text, flush=True)
    for pid, peak in sorted(summary.worker_peaks_mb.items()):
        log.debug("worker %d: peak memory %.1f MB (VmHWM)", pid, peak)
    if not args.quiet:
        _print_summary(summary, backend, args.json)
    if summary.problems and summary.frames == 0 and not kept:
        raise SourceError(f"nothing could be read from {name}: {summary.problems[0]}")
    return 1 if summary.problems else 0


def _read_archive(
    args: argparse.Namespace, backend: Backend, printing: bool
) -> tuple[ArchiveSummary, str, bool]:
    """List the files, check the outputs, skip what --resume finds done, and read the rest
    with ``backend``, writing in listed order. Returns the summary, the source's name and
    whether lines of an earlier run were kept."""
    from camdigit.io.outputs import AnnotatedWriter
    from camdigit.io.runner import Progress
    from camdigit.io.sources import MediaListSource, open_source

    source = open_source(args.source)
    source.close()
    if not isinstance(source, MediaListSource):  # a folder named like a camera, say
        raise UsageError(f"{args.source} is not a folder or a glob of files")
    listed = [str(p) for p in source.paths]
    json_path = Path(args.json) if args.json and args.json != "-" else None
    point = None
    if args.resume and json_path is not None and json_path.is_file():
        point = _resume_point(json_path, listed, args.source)
    names = [name for name in listed if point is None or name not in point.complete]
    if args.save:
        # checked before any work, as in one process; --resume may replace the copies of the
        # files it reads again (its own, from the run it goes on with)
        source.paths = [Path(name) for name in names]
        AnnotatedWriter(args.save, source, overwrite=args.overwrite or args.resume).close()
    summary = ArchiveSummary()
    total = source.total
    if point is not None:
        summary.kept_files = len(point.complete)
        total = None if total is None else max(0, total - point.kept_lines)
        if not args.quiet:
            print(
                f"camdigit: resuming {json_path}: {summary.kept_files} of {len(listed)} files "
                f"complete, {len(names)} to read"
                + (f" ({point.redo} again)" if point.redo else ""),
                file=sys.stderr,
            )
    stream = _open_lines(args.json, point)
    progress = Progress(total) if not args.quiet and args.json != "-" else None
    output = OrderedOutput(stream, summary, progress, printing)
    started = time.monotonic()
    try:
        read_files(names, backend, output)
    finally:
        summary.seconds = time.monotonic() - started
        with contextlib.ExitStack() as closing:  # every close runs, even when one fails
            if stream is not None and stream is not sys.stdout:
                closing.callback(stream.close)
            closing.callback(output.close)
            if progress is not None:
                closing.callback(lambda: progress.finish(summary.frames))
    return summary, source.name, bool(point is not None and point.kept_lines)


def _check_flags(args: argparse.Namespace) -> None:
    if not lists_files(args.source):
        which = "--ray" if getattr(args, "ray", None) is not None else "--resume"
        raise UsageError(f"{which} reads a folder or a glob of files; {args.source} is one source")
    if args.show:
        raise UsageError(
            "--show cannot be used with --workers, --resume or --ray: the files "
            "are read in other processes (use --save)"
        )
    if args.resume and (not args.json or args.json == "-"):
        raise UsageError(
            "--resume needs --json FILE: the lines already there say which files are done"
        )


def _resume_point(json_path: Path, listed: list[str], spec: str) -> ResumePoint:
    point = find_resume_point(json_path)
    in_file = set(point.complete) | ({point.redo} if point.redo else set())
    unknown = in_file - set(listed)
    if unknown:
        raise UsageError(
            f"--resume: {json_path} holds lines of {sorted(unknown)[0]}, which "
            f"{spec} does not list; give SOURCE as in the run that wrote it"
        )
    return point


def _open_lines(target: str | None, point: ResumePoint | None) -> TextIO | None:
    """The --json stream: stdout, a new file, or (resuming) the file cut to what it keeps."""
    from camdigit.io.outputs import OutputError

    if not target:
        return None
    if target == "-":
        return sys.stdout
    path = Path(target)
    try:
        if point is not None:
            with path.open("r+b") as existing:
                existing.truncate(point.keep_bytes)
        return path.open("a" if point is not None else "w", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None


def _print_summary(summary: ArchiveSummary, backend: Backend, json_target: str | None) -> None:
    written = list(summary.written)
    if json_target and json_target != "-":
        written.append(json_target)
    print(
        f"camdigit: {summary.frames} frames, {summary.digits} digits, "
        f"{summary.fps:.1f} FPS {backend.description}"
        + (f"; wrote {', '.join(written)}" if written else ""),
        file=sys.stderr,
    )


def _start_backend(args: argparse.Namespace, settings: ReadSettings, model: Path) -> Backend:
    ray_address = getattr(args, "ray", None)
    if ray_address is not None:
        from camdigit.commands.cluster import RayCluster

        cpus = args.workers if args.workers > 1 else None
        return RayCluster(settings, model.read_bytes(), ray_address or None, cpus)
    if args.workers <= 1:
        return InProcess(settings)
    return ProcessPool(settings, args.workers)
