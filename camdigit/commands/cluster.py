"""``camdigit run SOURCE --ray [ADDRESS]``: the files of a folder or glob as Ray tasks.

Installed with the ``cluster`` extra (``pip install 'camdigit[cluster]'``, Ray 2.9 or later);
imported only for ``--ray``.

- With no ADDRESS (and no ``RAY_ADDRESS`` in the environment) a local Ray runtime is started
  for the run (``--workers N`` CPUs, else the machine's cores) and stopped after it; with one
  (``auto`` on a node of a running cluster, ``HOST:6379``, or ``ray://HOST:10001`` for Ray
  Client) the driver joins that cluster and leaves it running.
- The model's bytes are put in Ray's object store once (``ray.put``); a task receives only a
  reference to them, so each node fetches them once, and each worker process saves them to a
  local file and builds its recognizer once, on its first task.
- One task per file, a streaming generator: it yields the file's parts (JSON lines, counts, its
  log) as it reads, exactly what a ``--workers`` process sends (:class:`FileReader`). The driver
  submits at most :data:`camdigit.commands.workers.AHEAD` tasks per cluster CPU past the oldest
  unfinished file and writes each file's lines in listed order, as for ``--workers``: the same
  bytes. Parts of files done early wait in Ray's object store (spilled to disk by Ray when
  large), not in the driver.
- Tasks are not retried (``max_retries=0``): a file half written and then read again would repeat
  lines; a run stopped by a lost node is continued with ``--resume``.

Every node must see the files under the same path as the driver (shared storage mounted at the
same place), and camdigit must be installed on every node. Relative paths are resolved from the
driver's working directory where that directory exists on the node. ``--save`` folders are
written by the workers, so they too must be on shared storage; the ``--json`` file is written by
the driver only.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import queue
import signal
import socket
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from ray import ObjectRefGenerator

log = logging.getLogger(__name__)

_READERS: dict[str, FileReader] = {}
"""The reader of this Ray worker process, by model and settings (one at a time)."""

_task = None


def ray_missing() -> str | None:
    """Why ``--ray`` cannot run here (Ray not importable), or None when it can."""
    try:
        import ray  # noqa: F401
    except ImportError as exc:
        return f"Ray is not installed ({exc}): pip install 'camdigit[cluster]'"
    return None


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """Refuse at once a ``HOST:PORT`` (or ``ray://HOST:PORT``) where nothing answers: Ray
    itself retries such an address for minutes."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit() or not host:
        return  # "auto", a name Ray resolves itself
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise UsageError(
            f"--ray: nothing answers at {address} ({exc.strerror or exc}): start "
            f"the cluster (ray start --head) or check the address"
        ) from None


def _reader(settings: ReadSettings, key: str, model: list) -> FileReader:
    """This worker process's reader, built on its first task (model saved to a local file)."""
    found = _READERS.get(key)
    if found is not None:
        return found
    import ray

    data = ray.get(model[0])
    path = Path(tempfile.gettempdir()) / f"camdigit-model-{key}.tflite"
    if not path.is_file() or path.stat().st_size != len(data):
        scratch = path.with_suffix(f".{os.getpid()}.part")
        scratch.write_bytes(data)
        os.replace(scratch, path)  # whole or not there, for the other workers of the node
    found = FileReader(settings, model=path)
    _READERS.clear()
    _READERS[key] = found
    return found


def read_file_task(
    settings: ReadSettings, key: str, model: list, cwd: str, level: int, index: int, path: str
) -> Iterator[FilePart]:
    """One file, read on a Ray worker: its parts, as they come.

    ``model`` is a one-item list holding the reference to the model's bytes, so that Ray does
    not fetch them for every task: only a worker's first task reads them.
    """
    if cwd and os.path.isdir(cwd) and os.getcwd() != cwd:
        os.chdir(cwd)  # relative names, as the driver listed them
    logging.getLogger("camdigit").setLevel(level)
    try:
        reader = _reader(settings, key, model)
    except Exception as exc:  # noqa: BLE001 (the driver raises it)
        yield FilePart(index, done=True, error=portable_error(exc))
        return
    # The reader gives its parts to a callback; a thread turns that into this generator, so
    # parts reach the driver while the file is being read.
    parts: queue.Queue[FilePart | None] = queue.Queue(maxsize=4)

    def work() -> None:
        try:
            reader.read(index, path, parts.put)
        except BaseException as exc:  # noqa: BLE001
            parts.put(FilePart(index, done=True, error=portable_error(exc)))
        finally:
            parts.put(None)

    thread = threading.Thread(target=work, name="camdigit-read", daemon=True)
    thread.start()
    while (part := parts.get()) is not None:
        yield part
    thread.join()


def _remote_task():
    global _task
    if _task is None:
        import ray

        _task = ray.remote(num_cpus=1, max_retries=0, num_returns="streaming")(read_file_task)
    return _task


class RayCluster:
    """Reads files as Ray tasks (see the module's notes); a
    :class:`camdigit.commands.workers.Backend`.

    Args:
        settings: what every worker needs to read files as one process would.
        model: the model file's bytes.
        address: a cluster to join; None: start a local runtime for this run.
        cpus: CPUs of the local runtime (default: the machine's cores).
    """

    def __init__(
        self,
        settings: ReadSettings,
        model: bytes,
        address: str | None = None,
        cpus: int | None = None,
    ) -> None:
        missing = ray_missing()
        if missing is not None:
            raise UsageError(f"--ray: {missing}")
        import ray

        self._started = False
        if not ray.is_initialized():
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "logging_level": logging.ERROR,
            }
            # ray.init takes SIGTERM over (to exit at once); the command line's handler is put
            # back, so that SIGTERM stops the run as Ctrl-C does, closing every output
            main = threading.current_thread() is threading.main_thread()
            previous = signal.getsignal(signal.SIGTERM) if main else None
            address = address or os.environ.get("RAY_ADDRESS") or None  # as ray.init reads it
            if address:
                check_reachable(address)
            try:
                if address:
                    ray.init(address=address, **options)
                else:  # "local": a new runtime, even where a cluster runs or ran
                    ray.init(address="local", num_cpus=cpus or machine_cores(), **options)
            except (ConnectionError, RuntimeError, ray.exceptions.RayError) as exc:
                where = f"join the Ray cluster at {address}" if address else "start Ray here"
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                raise UsageError(f"--ray: cannot {where}: {reason}") from None
            finally:
                if previous is not None:
                    signal.signal(signal.SIGTERM, previous)
            self._started = True
        self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.description = f"on Ray ({self.workers} CPUs)"
        log.debug("Ray: %d CPUs; up to %d files in flight", self.workers, AHEAD * self.workers)
        self._settings = settings
        self._key = hashlib.sha256(model + pickle.dumps(settings)).hexdigest()[:16]
        self._model = [ray.put(model)]  # in a list: tasks get the reference, not the bytes
        self._level = logging.getLogger("camdigit").getEffectiveLevel()
        self._cwd = os.getcwd()
        self._running: deque[tuple[str, ObjectRefGenerator]] = deque()  # (file, its parts)

    def submit(self, index: int, path: str) -> None:
        parts = _remote_task().remote(
            self._settings, self._key, self._model, self._cwd, self._level, index, path
        )
        self._running.append((path, parts))

    def wait(self, deliver: Callable[[FilePart], None]) -> None:
        """The next part of the oldest file: files are submitted, and so waited for, in order."""
        import ray

        path, parts = self._running[0]
        try:
            part = ray.get(next(parts))
        except StopIteration:
            raise WorkerError(f"the Ray task reading {path} ended without its results") from None
        except ray.exceptions.RayError as exc:
            raise WorkerError(
                f"Ray could not read {path}: {exc}; the lines written so far are "
                f"kept (--resume goes on from there)"
            ) from None
        if part.done:
            self._running.popleft()
        deliver(part)

    def close(self, completed: bool) -> None:
        import ray

        for _, parts in self._running:
            try:
                ray.cancel(parts, force=True)
            except Exception as exc:  # noqa: BLE001 (stopping anyway)
                log.debug("Ray: could not cancel a task: %s", exc)
        self._running.clear()
        if self._started:
            ray.shutdown()
