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
that keeps only the newest frame
(:class:`~camdigit.io.latest_frame.LatestFrameReader`): a loop slower than the camera
processes the frame of now, not one queued seconds ago, and the frames it had no time for are
counted (``FrameSource.dropped``).

This module holds the choice (:func:`open_source`, :func:`open_file`) and the file sources
(:class:`ImageSource`, :class:`MediaListSource`); :mod:`camdigit.io.frame_source` holds
:class:`Frame` and the base class, :mod:`camdigit.io.capture_sources` the video, camera and
stream sources, :mod:`camdigit.io.latest_frame` the newest-frame reader.
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Iterator
from pathlib import Path

import cv2

from camdigit.io.capture_sources import PicameraSource, VideoSource
from camdigit.io.frame_source import Frame, FrameSource, SourceError
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
