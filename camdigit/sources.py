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
"""

from __future__ import annotations

import glob
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from camdigit.images import ImageError, read_image, to_bgr8
from camdigit.quiet import quiet_stderr

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm", ".jp2"}
)
VIDEO_SUFFIXES = frozenset(
    {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv", ".3gp",
     ".mjpeg", ".mjpg", ".ts", ".gif"}
)
STREAM_PREFIXES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")
DEFAULT_FPS = 30.0
"""Frame rate assumed for cameras and streams that report none."""


class SourceError(Exception):
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

    def close(self) -> None:
        """Release the device or file; safe to call twice."""

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


class VideoSource(FrameSource):
    """A video file, a camera or a stream, through ``cv2.VideoCapture``.

    A live source that stops delivering frames (a camera unplugged, a stream dropping) is
    retried for ``retry_seconds`` before it ends with a warning; with ``reconnect`` (network
    streams) it is reopened while retrying.
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

    def _open(self) -> None:
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, self.open_timeout_ms,
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, self.open_timeout_ms]
        with quiet_stderr():
            capture = cv2.VideoCapture(self.target, cv2.CAP_ANY, params)
            opened = capture.isOpened()
        if not opened:
            capture.release()
            if isinstance(self.target, int):
                raise SourceError(f"cannot open camera {self.target}: no camera with that index "
                                  f"(try another index, or check the camera is connected)")
            if self.live:
                raise SourceError(f"cannot open stream {self.name}: it did not answer "
                                  f"(check the URL and the network)")
            raise SourceError(f"cannot open video {self.name}: not a video OpenCV can read, or "
                              f"the file is damaged")
        if self.live:
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the latest frame, not a growing backlog
        self._capture = capture

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        started = time.monotonic()
        while self._capture is not None:
            with quiet_stderr():  # a damaged frame makes the decoder talk; we report it ourselves
                ok, image = self._capture.read()
            if not ok or image is None:
                if not self.live:
                    if self.total is not None and index < self.total:
                        problem = (f"{self.name} ended after {index} of {self.total} frames "
                                   f"(damaged or truncated)")
                        log.warning("%s", problem)
                        self.problems.append(problem)
                    return
                if not self._recover():
                    return
                continue
            if self.live:
                seconds = time.monotonic() - started
            else:
                msec = self._capture.get(cv2.CAP_PROP_POS_MSEC)
                seconds = msec / 1000.0 if msec and msec > 0 else index / (self.fps or DEFAULT_FPS)
            yield Frame(image, index, seconds, self.name)
            index += 1

    def _recover(self) -> bool:
        """Wait for a live source to deliver again; False when it stays silent."""
        log.warning("%s stopped delivering frames; retrying for %.0f s", self.name,
                    self.retry_seconds)
        deadline = time.monotonic() + self.retry_seconds
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if self.reconnect:
                self._release()
                try:
                    self._open()
                except SourceError:
                    continue
            with quiet_stderr():
                delivered = self._capture is not None and self._capture.grab()
            if delivered:
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
        self._release()


class PicameraSource(FrameSource):
    """The Raspberry Pi camera through picamera2 (from apt: ``python3-picamera2``)."""

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
        self.live = True
        self.fps = DEFAULT_FPS
        try:
            self._camera = Picamera2(camera)
            # RGB888 is stored B, G, R: OpenCV's order.
            config = self._camera.create_video_configuration(
                main={"size": size, "format": "RGB888"}
            )
            self._camera.configure(config)
            self._camera.start()
        except Exception as exc:  # libcamera raises RuntimeError, IndexError, ... by model
            raise SourceError(f"cannot start the Raspberry Pi camera {camera}: {exc}") from None

    def __iter__(self) -> Iterator[Frame]:
        started = time.monotonic()
        index = 0
        while self._camera is not None:
            image = self._camera.capture_array("main")
            yield Frame(image, index, time.monotonic() - started, self.name)
            index += 1

    def close(self) -> None:
        if getattr(self, "_camera", None) is not None:
            try:
                self._camera.stop()
                self._camera.close()
            finally:
                self._camera = None


class MediaListSource(FrameSource):
    """Several image and video files, one after the other; unreadable ones are skipped."""

    def __init__(self, paths: list[Path], name: str) -> None:
        super().__init__()
        self.paths = paths
        self.name = name
        self._current: FrameSource | None = None
        self.total = sum(1 if p.suffix.lower() in IMAGE_SUFFIXES else _video_length(p)
                         for p in paths)

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
    with quiet_stderr():
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
    raise SourceError(f"source not found: {text} (give a camera index like 0, a file, a folder, "
                      f"a glob, a stream URL or picam)")
