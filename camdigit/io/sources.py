"""Where frames come from: one SOURCE argument for cameras, files, folders, globs and streams.

:func:`open_source` classifies the argument once and returns a :class:`FrameSource`; iterating it
yields :class:`Frame` objects (image, index, time, source name), the same for every kind of
input, so nothing downstream asks what it is reading. A folder or glob is a list of media: each
image is one frame, each video its frames; ``Frame.source`` names the file, and a change of it
means a new stream (tracks do not carry over).

Kinds of SOURCE:

- ``0``, ``1``, ...: a camera by index (OpenCV);
- ``picam`` (or ``picam:1``): the Raspberry Pi camera through picamera2, imported only then;
- ``rtsp://``, ``http(s)://``, ...: a network stream;
- a file: an image (one frame) or a video;
- a folder: its images and videos, sorted by name (not recursive);
- a glob pattern (``shots/*.jpg``): the matching files, sorted.

Files are read frame by frame: every frame, in order. Cameras and streams are read by a thread
that keeps only the newest frame (:class:`LatestFrameReader`): a loop slower than the camera
processes the frame of now, not one queued seconds ago, and the frames it had no time for are
counted (``FrameSource.dropped``).
"""

from __future__ import annotations

import contextlib
import glob
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from camdigit.errors import CamdigitError
from camdigit.io.images import ImageError, read_image, to_bgr8
from camdigit.io.quiet import quiet_libraries

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm", ".jp2"}
)
VIDEO_SUFFIXES = frozenset(
    {
        ".mp4",
        ".avi",
        ".mov",
        ".mkv",
        ".webm",
        ".m4v",
        ".mpg",
        ".mpeg",
        ".wmv",
        ".flv",
        ".3gp",
        ".mjpeg",
        ".mjpg",
        ".ts",
        ".gif",
    }
)
STREAM_PREFIXES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")
DEFAULT_FPS = 30.0
"""Frame rate assumed for cameras and streams that report none."""


class SourceError(CamdigitError):
    """A source cannot be opened or read; the message names it and says what to do."""


@dataclass(frozen=True)
class Frame:
    """One frame and where it came from."""

    image: np.ndarray  # BGR (or grayscale) as decoded
    index: int  # frame number within its source (file, camera or stream), from 0
    time: float  # seconds: position in a video, time since start for live input, 0 for images
    source: str  # the file, camera or stream it came from
    still: bool = False  # a photo: no other frame of the same scene follows


class FrameSource:
    """Base of every source: iterate for frames; ``close()`` (or ``with``) releases it."""

    name: str = ""
    live: bool = False  # a camera or stream: no end, no total, frames come in real time
    fps: float | None = None  # frame rate of the input (video files, cameras)
    total: int | None = None  # frames in all, when known (files)
    problems: list[str]  # what went wrong on the way (files skipped, a video cut short)

    def __init__(self) -> None:
        self.problems = []

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError

    @property
    def dropped(self) -> int:
        """Frames a live source read but replaced by a newer one before the loop took them
        (0 for files, which are read frame by frame)."""
        return 0

    def close(self) -> None:
        """Release the device or file; safe to call twice. For a live source, also the stop
        request: its reader thread ends, a retry wait included, at once."""

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ImageSource(FrameSource):
    """A single image file: one frame."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.name = str(path)
        self.total = 1

    def __iter__(self) -> Iterator[Frame]:
        try:
            image = to_bgr8(read_image(self.path))
        except ImageError as exc:
            raise SourceError(str(exc)) from None
        yield Frame(image, 0, 0.0, self.name, still=True)


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


class VideoSource(FrameSource):
    """A video file, a camera or a stream, through ``cv2.VideoCapture``.

    A file is read frame by frame. A camera or stream (``live``) is read by a
    :class:`LatestFrameReader` thread: the loop gets the newest frame. A live source that stops
    delivering frames (a camera unplugged, a stream dropping) is retried for ``retry_seconds``
    before it ends with a warning; with ``reconnect`` (network streams) it is reopened while
    retrying. :meth:`close` ends a retry at once.
    """

    def __init__(
        self,
        target: str | int,
        name: str,
        live: bool,
        retry_seconds: float = 5.0,
        open_timeout_ms: int = 10000,
        reconnect: bool = False,
    ) -> None:
        super().__init__()
        self.target = target
        self.name = name
        self.live = live
        self.reconnect = reconnect
        self.retry_seconds = retry_seconds
        self.open_timeout_ms = open_timeout_ms
        self._capture: cv2.VideoCapture | None = None
        self._open()
        fps = self._capture.get(cv2.CAP_PROP_FPS) if self._capture is not None else 0.0
        self.fps = float(fps) if fps and 0 < fps < 1000 else (DEFAULT_FPS if live else None)
        if not live:
            count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
            self.total = count if count > 0 else None
        self._reader = (
            LatestFrameReader(name, self._read_live, self._recover, self._release, self.problems)
            if live
            else None
        )

    def _open(self) -> None:
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            self.open_timeout_ms,
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            self.open_timeout_ms,
        ]
        quiet_libraries()  # before the first capture: FFmpeg reads its log level only then
        capture = cv2.VideoCapture(self.target, cv2.CAP_ANY, params)
        if not capture.isOpened():
            capture.release()
            if isinstance(self.target, int):
                raise SourceError(
                    f"cannot open camera {self.target}: no camera with that index "
                    f"(try another index, or check the camera is connected)"
                )
            if self.live:
                raise SourceError(
                    f"cannot open stream {self.name}: it did not answer "
                    f"(check the URL and the network)"
                )
            raise SourceError(
                f"cannot open video {self.name}: not a video OpenCV can read, or "
                f"the file is damaged"
            )
        if self.live:
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # where the backend honours it (V4L2)
        self._capture = capture

    @property
    def dropped(self) -> int:
        return self._reader.dropped if self._reader is not None else 0

    def __iter__(self) -> Iterator[Frame]:
        if self._reader is not None:
            return self._reader.frames()
        return self._file_frames()

    def _file_frames(self) -> Iterator[Frame]:
        index = 0
        while self._capture is not None:
            ok, image = self._capture.read()
            if not ok or image is None:
                if self.total is not None and index < self.total:
                    problem = (
                        f"{self.name} ended after {index} of {self.total} frames "
                        f"(damaged or truncated)"
                    )
                    log.warning("%s", problem)
                    self.problems.append(problem)
                return
            msec = self._capture.get(cv2.CAP_PROP_POS_MSEC)
            seconds = msec / 1000.0 if msec and msec > 0 else index / (self.fps or DEFAULT_FPS)
            yield Frame(image, index, seconds, self.name)
            index += 1

    def _read_live(self) -> np.ndarray | None:
        """The reader thread's read: the next frame, or None when none came."""
        if self._capture is None:
            return None
        ok, image = self._capture.read()
        return image if ok and image is not None else None

    def _recover(self) -> bool:
        """In the reader thread: wait for a live source to deliver again; False when it stays
        silent for ``retry_seconds`` or a stop is requested (which ends the wait at once)."""
        stop = self._reader.stop_event if self._reader is not None else threading.Event()
        log.warning(
            "%s stopped delivering frames; retrying for %.0f s", self.name, self.retry_seconds
        )
        deadline = time.monotonic() + self.retry_seconds
        while time.monotonic() < deadline:
            if stop.wait(0.2):
                return False
            if self.reconnect:
                self._release()
                try:
                    self._open()
                except SourceError:
                    continue
                if stop.is_set():
                    return False
            if self._capture is not None and self._capture.grab():
                log.warning("%s is delivering frames again", self.name)
                return True
        problem = f"{self.name} gave no frame for {self.retry_seconds:.0f} s: ending"
        log.warning("%s", problem)
        self.problems.append(problem)
        return False

    def _release(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.stop()  # the reader releases the capture (never during a read)
        else:
            self._release()


class PicameraSource(FrameSource):
    """The Raspberry Pi camera through picamera2 (from apt: ``python3-picamera2``), read by a
    :class:`LatestFrameReader` thread like any live source."""

    live = True

    def __init__(self, camera: int = 0, size: tuple[int, int] = (960, 720)) -> None:
        try:
            from picamera2 import Picamera2  # imported only when asked for
        except ImportError:
            raise SourceError(
                "picamera2 is not installed: on Raspberry Pi OS run 'sudo apt install "
                "python3-picamera2' and make the venv with --system-site-packages"
            ) from None
        super().__init__()
        self.name = f"picam:{camera}"
        self.fps = DEFAULT_FPS
        self._camera = None
        try:
            self._camera = Picamera2(camera)
            # RGB888 is stored B, G, R: OpenCV's order.
            config = self._camera.create_video_configuration(
                main={"size": size, "format": "RGB888"}
            )
            self._camera.configure(config)
            self._camera.start()
        except Exception as exc:  # libcamera raises RuntimeError, IndexError, ... by model
            with contextlib.suppress(Exception):  # a half-started camera: free what we can
                self._release()
            raise SourceError(f"cannot start the Raspberry Pi camera {camera}: {exc}") from None
        self._reader = LatestFrameReader(
            self.name, self._read, release=self._release, problems=self.problems
        )

    def _read(self) -> np.ndarray | None:
        return self._camera.capture_array("main") if self._camera is not None else None

    @property
    def dropped(self) -> int:
        return self._reader.dropped

    def __iter__(self) -> Iterator[Frame]:
        return self._reader.frames()

    def _release(self) -> None:
        camera, self._camera = self._camera, None
        if camera is not None:
            try:
                camera.stop()
            finally:
                camera.close()

    def close(self) -> None:
        self._reader.stop()


class MediaListSource(FrameSource):
    """Several image and video files, one after the other; unreadable ones are skipped."""

    def __init__(self, paths: list[Path], name: str) -> None:
        super().__init__()
        self.paths = paths
        self.name = name
        self._current: FrameSource | None = None
        self.total = sum(
            1 if p.suffix.lower() in IMAGE_SUFFIXES else _video_length(p) for p in paths
        )

    def __iter__(self) -> Iterator[Frame]:
        for path in self.paths:
            try:
                self._current = open_file(path)
                yield from self._current
                self.problems.extend(self._current.problems)
            except SourceError as exc:
                log.warning("skipping: %s", exc)
                self.problems.append(f"skipped {path}: {exc}")
            finally:
                if self._current is not None:
                    self._current.close()
                    self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None


def _video_length(path: Path) -> int:
    quiet_libraries()
    capture = cv2.VideoCapture(str(path))
    try:
        return max(0, int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0))
    finally:
        capture.release()


def is_media(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES


def open_file(path: Path) -> FrameSource:
    """An image or video file as a source; the kind is decided by the file's suffix."""
    if not path.exists():
        raise SourceError(f"file not found: {path}")
    if not path.is_file():
        raise SourceError(f"not a file: {path}")
    if path.stat().st_size == 0:
        raise SourceError(f"empty file: {path}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path)
    return VideoSource(str(path), str(path), live=False)


def open_source(spec: str | int, retry_seconds: float = 5.0) -> FrameSource:
    """Open a camera, file, folder, glob, stream or ``picam`` given as one string."""
    text = str(spec).strip()
    if not text:
        raise SourceError("empty source: give a camera index, a file, a folder, a glob or a URL")
    if text.isdigit():
        return VideoSource(int(text), f"camera:{text}", live=True, retry_seconds=retry_seconds)
    if text == "picam" or text.startswith("picam:"):
        number = text.partition(":")[2] or "0"
        if not number.isdigit():
            raise SourceError(f"bad Raspberry Pi camera {text!r}: use picam or picam:N")
        return PicameraSource(int(number))
    if text.lower().startswith(STREAM_PREFIXES):
        return VideoSource(text, text, live=True, retry_seconds=retry_seconds, reconnect=True)
    path = Path(text).expanduser()
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and is_media(p))
        if not files:
            raise SourceError(f"no images or videos in folder {path}")
        return MediaListSource(files, str(path))
    if path.exists():
        return open_file(path)
    if glob.has_magic(text):
        files = sorted(Path(p) for p in glob.glob(text) if Path(p).is_file())
        if not files:
            raise SourceError(f"no files match {text!r}")
        return MediaListSource(files, text)
    raise SourceError(
        f"source not found: {text} (give a camera index like 0, a file, a folder, "
        f"a glob, a stream URL or picam)"
    )
