"""The newest frame of a live input: :class:`LatestFrameReader`, a thread that reads a camera
or stream as fast as it delivers and keeps only the newest frame, and :class:`LiveSource`, a
live source made of a read function and such a reader."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np

from camdigit.io.frame_source import DEFAULT_FPS, Frame, FrameSource

log = logging.getLogger(__name__)


class LatestFrameReader:
    """Reads a live source in its own thread and hands the loop only the newest frame.

    A camera or stream delivers frames at its own pace. Read in order by a loop slower than it,
    frames queue up (in the driver, in FFmpeg's buffers: ``CAP_PROP_BUFFERSIZE`` is ignored by
    the FFmpeg and GStreamer backends) and the loop falls ever further behind. Here a thread reads
    as fast as frames come and keeps one: a new frame replaces the one the loop has not taken yet
    (counted in :attr:`dropped`), so the frame the loop takes is at most about one frame period
    old, whatever the loop's speed.

    Args:
        name: the source's name, for frames and messages.
        read: one frame from the device, blocking until it comes; None when none came.
        recover: called after ``read`` gave None: True when frames come again, False to end.
            It should wait on :attr:`stop_event` (never ``time.sleep``) so a stop ends the wait.
        release: frees the device; called once, by the thread as it ends (or by :meth:`stop`
            when the thread never started), never while ``read`` runs.
        problems: the source's list, where a read that raised is reported.
    """

    def __init__(
        self,
        name: str,
        read: Callable[[], np.ndarray | None],
        recover: Callable[[], bool] | None = None,
        release: Callable[[], None] | None = None,
        problems: list[str] | None = None,
    ) -> None:
        self.name = name
        self._read = read
        self._recover = recover or (lambda: False)
        self._release = release or (lambda: None)
        self.problems = problems if problems is not None else []
        self.stop_event = threading.Event()
        self.started = time.monotonic()  # Frame.time counts from here (reset when reading starts)
        self.frames_read = 0
        self._changed = threading.Condition()
        self._pending: Frame | None = None
        self._ended = False
        self._dropped = 0
        self._released = False
        self._thread: threading.Thread | None = None

    @property
    def dropped(self) -> int:
        """Frames read but replaced by a newer one before the loop took them."""
        with self._changed:
            return self._dropped

    def frames(self) -> Iterator[Frame]:
        """The newest frame each time the caller asks, until the source ends or is stopped."""
        self._start()
        while True:
            with self._changed:
                while self._pending is None and not self._ended:
                    # timed, so Ctrl-C and SIGTERM reach the main thread while it waits
                    self._changed.wait(0.1)
                frame, self._pending = self._pending, None
            if frame is None:
                return
            yield frame

    def stop(self, timeout: float = 1.0) -> None:
        """End reading: the thread leaves any retry wait at once; waits up to ``timeout`` s for
        it (a read the device has not answered yet cannot be cut short: the thread then
        releases the device when it returns). Safe to call twice."""
        self.stop_event.set()
        thread = self._thread
        if thread is None:
            self._release_once()
        elif thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.debug(
                    "%s: a read is still waiting for the device; it will be released when "
                    "the read returns",
                    self.name,
                )
        with self._changed:
            self._ended = True
            self._pending = None
            self._changed.notify_all()

    def _start(self) -> None:
        if self._thread is not None or self.stop_event.is_set():
            return
        self.started = time.monotonic()
        self._thread = threading.Thread(
            target=self._run, name=f"camdigit-read {self.name}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self.stop_event.is_set():
                image = self._read()
                if self.stop_event.is_set():
                    break
                if image is None:
                    if self._recover():
                        continue
                    break
                frame = Frame(image, self.frames_read, time.monotonic() - self.started, self.name)
                self.frames_read += 1
                with self._changed:
                    if self._pending is not None:
                        self._dropped += 1
                    self._pending = frame
                    self._changed.notify_all()
        except Exception as exc:  # a device or driver error: the source ends, saying why
            problem = f"{self.name} failed: {exc}"
            log.warning("%s", problem)
            log.debug("%s: the reader thread stopped", self.name, exc_info=True)
            self.problems.append(problem)
        finally:
            self._release_once()
            with self._changed:
                self._ended = True
                self._changed.notify_all()

    def _release_once(self) -> None:
        with self._changed:
            if self._released:
                return
            self._released = True
        self._release()


class LiveSource(FrameSource):
    """A live source made of a function that returns the device's next frame (for devices
    camdigit does not know, fakes in tests and benchmarks). Read by a
    :class:`LatestFrameReader`: the loop gets the newest frame, never a queued one."""

    live = True

    def __init__(
        self,
        name: str,
        read: Callable[[], np.ndarray | None],
        fps: float | None = None,
        recover: Callable[[], bool] | None = None,
        release: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.name = name
        self.fps = fps or DEFAULT_FPS
        self._reader = LatestFrameReader(name, read, recover, release, self.problems)

    @property
    def started(self) -> float:
        """``time.monotonic()`` when reading started: a frame was read at ``started + time``."""
        return self._reader.started

    @property
    def stop_event(self) -> threading.Event:
        """Set by :meth:`close`: a ``recover`` function waits on it."""
        return self._reader.stop_event

    @property
    def dropped(self) -> int:
        return self._reader.dropped

    def __iter__(self) -> Iterator[Frame]:
        return self._reader.frames()

    def close(self) -> None:
        self._reader.stop()
