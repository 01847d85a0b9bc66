"""The live feed behind ``/live``: one thread reads the source, the web clients watch.

:class:`LiveFeed` owns the source and its own :class:`~camdigit.core.pipeline.Recognizer` (with a
tracker). Its thread reads a frame, reads the digits, draws them, encodes the drawing as JPEG and
publishes that JPEG and the frame's result under a lock, nothing more: it never waits for a web
client. Clients (an MJPEG stream, ``/api/latest``) take the latest published frame whenever they
are ready for one and wait on a :class:`threading.Condition` for the next, so a slow client only
skips frames and never holds up the camera.

A video file is played at its own frame rate and starts again at its end (``loop``); a camera or
stream that stops is reopened after a pause until the feed is stopped. This module does not
import Flask.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2

from camdigit.core.pipeline import Recognizer
from camdigit.io.drawing import Annotator
from camdigit.io.frame_turns import turned_frame
from camdigit.io.runner import FpsMeter
from camdigit.io.sources import FrameSource, SourceError, open_source

log = logging.getLogger(__name__)

MAX_VIEWERS = 8
"""MJPEG viewers at once (``camdigit serve --max-viewers``): each holds a server thread and the
bandwidth of a video while it watches; the feed's own work does not grow with them."""

RETRY_SECONDS = 2.0
"""Pause before a source that ended (a camera unplugged) or gave nothing is opened again."""


@dataclass(frozen=True)
class Published:
    """One frame as the clients see it: the annotated JPEG and its ``--json`` record."""

    seq: int  # 1, 2, 3, ... over the feed's life (a looping video's frame index restarts)
    jpeg: bytes
    record: dict  # FrameResult.to_json() plus width, height, fps and ms_per_frame


class LiveFeed:
    """Reads ``spec`` (anything :func:`~camdigit.io.sources.open_source` takes) in its own thread.

    Args:
        spec: the SOURCE argument: camera index, ``picam``, video file, stream URL, ...
        recognizer: used by the feed thread only (give it its own classifier and a tracker).
        loop: start a video file again at its end; False: stop after one pass.
        pace: play files at their own frame rate (False: as fast as they can be read, for tests).
        jpeg_quality: of the published frames (0..100).
        opener: opens ``spec``; :func:`open_source` by default.
        turn: degrees clockwise every frame is turned before it is read (a camera mounted
            sideways or upside down, :mod:`camdigit.io.frame_turns`).

    The source is opened here, so a wrong SOURCE fails at once with :class:`SourceError`.
    """

    def __init__(
        self,
        spec: str,
        recognizer: Recognizer,
        loop: bool = True,
        pace: bool = True,
        jpeg_quality: int = 80,
        opener: Callable[[str], FrameSource] = open_source,
        turn: int = 0,
    ) -> None:
        self.spec = spec
        self.turn = turn
        self.recognizer = recognizer
        self.loop = loop
        self.pace = pace
        self.jpeg_quality = jpeg_quality
        self._opener = opener
        self._source: FrameSource | None = opener(spec)
        self.name = self._source.name
        self.live = self._source.live
        self._annotator = Annotator()
        self._meter = FpsMeter()
        self._changed = threading.Condition()
        self._latest: Published | None = None
        self._problem: str | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the feed thread ---------------------------------------------------------------------

    def start(self) -> None:
        """Start reading in a daemon thread (once)."""
        if self._thread is not None:
            raise RuntimeError("the live feed was already started")
        self._thread = threading.Thread(target=self._run, name="camdigit-live", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                source = self._source or self._reopen()
                if source is None:
                    continue
                self._source = None
                frames = self._play(source)
                if self._stopping.is_set():
                    break
                if frames == 0 or (source.live and source.problems):
                    self._set_problem(
                        source.problems[0] if source.problems else f"{self.name} gave no frames"
                    )
                if not source.live and not self.loop:
                    log.info("%s ended after %d frames", self.name, frames)
                    break
                if frames == 0 or source.live:
                    self._stopping.wait(RETRY_SECONDS)  # then open it again
        except Exception:  # a bug, not a source problem: say so on the page and in the log
            log.exception("the live feed stopped")
            self._set_problem("the live feed stopped on an internal error (see the log)")
        finally:
            if self._source is not None:
                self._source.close()
                self._source = None
            with self._changed:
                self._changed.notify_all()

    def _reopen(self) -> FrameSource | None:
        try:
            return self._opener(self.spec)
        except SourceError as exc:
            self._set_problem(str(exc))
            self._stopping.wait(RETRY_SECONDS)
            return None

    def _play(self, source: FrameSource) -> int:
        """Read ``source`` to its end (or until stopped); returns the frames read."""
        frames = 0
        period = 1.0 / source.fps if self.pace and source.fps and not source.live else 0.0
        due = time.monotonic()
        last_source: str | None = None
        try:
            for frame in source:
                if self._stopping.is_set():
                    break
                if frame.source != last_source:  # a new file (or a new pass): new tracks
                    self.recognizer.reset()
                    last_source = frame.source
                frame = turned_frame(frame, self.turn)  # as the run loop turns it
                started = time.perf_counter()
                result = self.recognizer.process(
                    frame.image, frame.source, frame.index, frame.time, still=frame.still
                )
                result.live = source.live
                work_ms = (time.perf_counter() - started) * 1e3
                self._meter.tick()
                fps = self._meter.fps
                image = self._annotator.annotate(frame.image, result, fps, work_ms)
                ok, jpeg = cv2.imencode(
                    ".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality]
                )
                if not ok:
                    raise RuntimeError("JPEG encoding failed")
                record = result.to_json()
                record.update(
                    width=int(image.shape[1]),
                    height=int(image.shape[0]),
                    fps=None if fps is None else round(fps, 2),
                    ms_per_frame=round(work_ms, 2),
                )
                self._publish(jpeg.tobytes(), record)
                frames += 1
                if frame.still or period:
                    # A file plays at its own pace (a photo: one a second), never faster.
                    due += period or 1.0
                    now = time.monotonic()
                    if due < now - 0.5:
                        due = now  # far behind (a slow board): do not race to catch up
                    if self._stopping.wait(max(0.0, due - now)):
                        break
        except SourceError as exc:  # an image SOURCE that cannot be decoded
            source.problems.append(str(exc))
        finally:
            source.close()
        return frames

    def _publish(self, jpeg: bytes, record: dict) -> None:
        with self._changed:
            seq = self._latest.seq + 1 if self._latest is not None else 1
            self._latest = Published(seq, jpeg, record)
            self._problem = None
            self._changed.notify_all()

    def _set_problem(self, problem: str) -> None:
        log.warning("%s", problem)
        with self._changed:
            self._problem = problem
            self._changed.notify_all()

    # -- for the web clients -----------------------------------------------------------------

    @property
    def running(self) -> bool:
        """The thread is reading (or retrying) the source."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def problem(self) -> str | None:
        """What went wrong with the source most recently, until the next frame arrives."""
        with self._changed:
            return self._problem

    def latest(self) -> Published | None:
        """The latest published frame, None before the first one."""
        with self._changed:
            return self._latest

    def wait_next(self, after: int, timeout: float) -> Published | None:
        """A frame newer than sequence number ``after``: at once when there is one, else the
        next one published within ``timeout`` seconds; None on timeout or when the feed stops."""
        with self._changed:
            self._changed.wait_for(
                lambda: (
                    (self._latest is not None and self._latest.seq > after)
                    or self._stopping.is_set()
                    or not self.running
                ),
                timeout,
            )
            latest = self._latest
        return latest if latest is not None and latest.seq > after else None

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and close the source; safe to call twice, or before ``start``."""
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the live feed did not stop within %.0f s", timeout)
        if self._thread is None and self._source is not None:
            self._source.close()  # never started: the thread will not close it
            self._source = None
