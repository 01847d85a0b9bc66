"""The driver's side of a run over many files: parts that come in any order written in listed
order (:class:`OrderedOutput`, spooling early-finished files to temporary files past
:data:`SPOOL_MEMORY`), the run's :class:`ArchiveSummary`, and :func:`read_files`, the loop that
hands files to a back end while bounding the work in flight.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, TextIO

from camdigit.commands.file_reader import AHEAD, FilePart

if TYPE_CHECKING:
    from camdigit.commands.worker_pool import Backend
    from camdigit.io.runner import Progress

SPOOL_MEMORY = 16 * 2**20
"""Bytes of JSON lines of early-finished files the driver keeps in memory; more goes to
temporary files."""


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
