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
- Work in flight is bounded: a file is handed out only while it is fewer than
  :data:`~camdigit.commands.file_reader.AHEAD` per worker after the oldest unfinished one. Parts
  of files finished early wait in memory up to
  :data:`~camdigit.commands.ordered_output.SPOOL_MEMORY` bytes in all, beyond that in temporary
  files, so the driver's memory does not grow with the number of files nor with their length.
- Ctrl-C or SIGTERM stops every worker (they ignore SIGINT themselves and are terminated by the
  driver), and every line written so far stays: lines are flushed as they are written. A worker
  that dies stops the run with an error naming its file; a worker whose driver died (killed)
  ends on its own, its pipe being closed.

Resuming (``--resume``) needs no extra record type: since files are written whole and in listed
order, every file whose lines are followed by another file's lines in the ``--json`` file is
complete, and so is every file listed before the last one there (read or skipped). The last
file there may be cut short: its lines, and any partial line after them, are removed and it is
read again with the files not in the file yet. A run killed at any point and resumed thus ends
with the file an unbroken run writes. See :func:`camdigit.commands.resume.find_resume_point`.

This module holds the flags and the command; the back ends (worker processes) are in
:mod:`camdigit.commands.worker_pool`, the ordered writing in :mod:`camdigit.commands.ordered_output`
and the resume point in :mod:`camdigit.commands.resume`.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import logging
import sys
import time
from pathlib import Path
from typing import TextIO

from camdigit.commands.file_reader import ReadSettings, machine_cores
from camdigit.commands.ordered_output import ArchiveSummary, OrderedOutput, read_files
from camdigit.commands.resume import ResumePoint, check_resume_point
from camdigit.commands.worker_pool import Backend, InProcess, ProcessPool
from camdigit.errors import UsageError
from camdigit.io.sources import SourceError

log = logging.getLogger(__name__)

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
        point = check_resume_point(json_path, listed, args.source)
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
