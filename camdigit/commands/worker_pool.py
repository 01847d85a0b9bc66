"""Where ``--workers`` and ``--resume`` read the files: the back ends of :func:`run_archive`.

:class:`Backend` is what the driver needs of one; :class:`InProcess` reads the files in this
process (``--workers 1 --resume``), :class:`ProcessPool` in N worker processes, each forked from
a fork server (:func:`worker_context`) and running :func:`_worker_main`. The Ray back end is
:class:`camdigit.commands.cluster.RayCluster`.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import signal
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from camdigit.commands.file_reader import (
    FilePart,
    FileReader,
    ReadSettings,
    WorkerError,
    portable_error,
)

if TYPE_CHECKING:
    from multiprocessing.connection import Connection


def _worker_main(
    settings: ReadSettings,
    channel: Connection[FilePart | tuple[str, BaseException], tuple[int, str] | None],
    level: int,
) -> None:
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


def worker_context() -> (
    multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext
):
    """How worker processes start: from a fork server where the system has one (a fresh
    interpreter that imports camdigit once, then forks each worker from that clean state: no
    thread, file or model of the driver's is inherited, and N workers cost one import), else
    spawned (each a fresh interpreter)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # camdigit.commands.workers imports this module (the workers' target) too
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
        # wait hands back some of the very objects it was given (typeshed widens them to a
        # union of every kind of handle, which neither dict's keys are)
        ready: list[Any] = multiprocessing.connection.wait([*busy, *sentinels])
        for handle in ready:
            worker = busy.get(handle)
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
            worker = sentinels.get(handle)
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
