"""Where results go: JSON Lines (one object per frame, flushed per frame) and annotated media.

Both writers are context managers that close what they opened on any exit, an error, Ctrl-C or
SIGTERM included, so a video being written stays playable and every frame processed so far is a
whole line of JSON.

Videos are encoded with PyAV (FFmpeg's libraries, the ``av`` package) so that they play in
browsers and common players: H.264 (yuv420p) in ``.mp4``/``.m4v``/``.mov``/``.mkv``, with the
index at the front of an MP4 (``+faststart``: it starts playing before it is all downloaded),
and VP9 in ``.webm``. ``.avi`` stays Motion JPEG through OpenCV. When PyAV is missing or its
encoder cannot start, OpenCV's writer is used instead (MPEG-4 Part 2, which browsers do not
play), with a warning, once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

import cv2
import numpy as np

from camdigit.core.detections import FrameResult
from camdigit.errors import CamdigitError
from camdigit.io.sources import IMAGE_SUFFIXES, FrameSource, ImageSource, MediaListSource

if TYPE_CHECKING:
    import av.container
    import av.video.stream

log = logging.getLogger(__name__)

VIDEO_CODECS = {
    ".mp4": "mp4v",
    ".m4v": "mp4v",
    ".mov": "mp4v",
    ".avi": "MJPG",
    ".mkv": "mp4v",
    ".webm": "VP80",
}
"""OpenCV's FourCC per video suffix (the fallback writer); all are in the FFmpeg build of
opencv-python."""

PYAV_CODECS = {
    ".mp4": "libx264",
    ".m4v": "libx264",
    ".mov": "libx264",
    ".mkv": "libx264",
    ".webm": "libvpx-vp9",
}
"""PyAV's encoder per video suffix; other suffixes (``.avi``) are written by OpenCV."""

FILE_PRESET = "veryfast"
"""x264 preset for a video made from a file: about 15 ms of CPU per 960x720 frame on a 2-core
x86 machine (11 ms of wall time)."""

LIVE_PRESET = "ultrafast"
"""x264 preset for a camera or stream (with ``tune=zerolatency``): about 4-5 ms of CPU per
960x720 frame on the same machine, so that a Raspberry Pi keeps up; the file is about 2-3
times larger."""

clock = time.monotonic
"""Times a live source's frames in its saved video (seconds; replaced in tests)."""

QUEUE_FRAMES = 4
"""Frames that may wait for the encoder thread (a 960x720 frame is 2 MB)."""

_fallback_warned = False  # the PyAV fallback is said once per process, not once per file


class OutputError(CamdigitError):
    """An output cannot be written; the message names it."""


class JsonLinesWriter:
    """Writes each frame's result as one JSON line to a file, or to stdout with ``-``."""

    def __init__(self, target: str | Path) -> None:
        self.name = str(target)
        self._stream: TextIO | None
        if self.name == "-":
            self._stream, self._owned = sys.stdout, False
        else:
            path = Path(target)
            check_writable(path)
            try:
                self._stream = path.open("w", encoding="utf-8")
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {exc.strerror}") from None
            self._owned = True
        self.lines = 0
        self._failed = False  # a write failed: closing must not hide that error with another

    def write(self, result: FrameResult) -> None:
        if self._stream is None:
            raise OutputError(f"{self.name} is already closed")
        try:
            self._stream.write(json.dumps(result.to_json(), separators=(",", ":")) + "\n")
            self._stream.flush()
        except OSError as exc:
            self._failed = True
            raise OutputError(f"cannot write {self.name}: {exc.strerror or exc}") from None
        self.lines += 1

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None and self._owned:
            try:
                stream.close()
            except OSError as exc:
                if not self._failed:
                    raise OutputError(f"cannot finish {self.name}: {exc.strerror}") from None

    def __enter__(self) -> JsonLinesWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_writable(path: Path) -> None:
    """Refuse, before any work, an output whose folder does not exist or is not a folder."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder, give a file name")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputError(f"cannot write {path}: permission denied")


def input_files(source: FrameSource) -> list[Path]:
    """The files a source reads (none for a camera or a stream)."""
    if isinstance(source, MediaListSource):
        return list(source.paths)
    path = Path(getattr(source, "name", "") or "")
    return [path] if str(path) and path.is_file() else []


def refuse_to_replace(
    outputs: Iterable[Path],
    inputs: Iterable[Path],
    overwrite: bool,
    flag: str = "--save",
    instead: str = "another name",
    by: str = "the annotated copy",
    replaced: str = "it",
) -> None:
    """Never write over an input; replace an existing output only when asked (``--overwrite``).

    Called before any work with the files a command would write (``run --save``, ``collect
    --out``, ``report --out``): one that is an input is refused even with ``overwrite``, an
    existing one without it. OutputError in one line: ``FLAG PATH is an input: give INSTEAD, so
    that it is not replaced by BY`` or ``FLAG PATH exists: give INSTEAD, or --overwrite to
    replace REPLACED``.
    """
    taken = {p.resolve() for p in inputs}
    for path in outputs:
        if path.resolve() in taken:
            raise OutputError(
                f"{flag} {path} is an input: give {instead}, so that it is not replaced by {by}"
            )
        if path.is_file() and not overwrite:
            raise OutputError(
                f"{flag} {path} exists: give {instead}, or --overwrite to replace {replaced}"
            )


def _refuse_to_replace(target: Path, source: FrameSource, overwrite: bool) -> None:
    """``run --save``'s check (:func:`refuse_to_replace`), before any frame is read. For a
    folder of inputs, the files it would write (``NAME.annotated.jpg`` / ``.mp4``) are the
    outputs checked.
    """
    if isinstance(source, MediaListSource):
        outputs = [
            target
            / (
                p.stem
                + (".annotated.jpg" if p.suffix.lower() in IMAGE_SUFFIXES else ".annotated.mp4")
            )
            for p in source.paths
        ]
    else:
        outputs = [target]
    refuse_to_replace(outputs, input_files(source), overwrite)


class VideoEncoder(Protocol):
    """One video file being written; ``close`` finishes it (flushing the encoder)."""

    path: Path
    description: str

    def write(self, image: np.ndarray) -> None: ...

    def close(self) -> None: ...


def even_size(image: np.ndarray) -> np.ndarray:
    """The image padded (never cropped) by one row and/or column, repeating the edge, to an even
    width and height: yuv420p stores colour at half resolution in both directions."""
    height, width = image.shape[:2]
    if height % 2 == 0 and width % 2 == 0:
        return image
    return cv2.copyMakeBorder(image, 0, height % 2, 0, width % 2, cv2.BORDER_REPLICATE)


class PyAVVideo:
    """A video written by PyAV: H.264 yuv420p (or VP9 for ``.webm``).

    A file's frames are timed by the frame rate; a live source's by the clock when each frame is
    written (the loop skips camera frames when it is slower than the camera, and the video must
    still play at the speed things happened).

    The first frame is encoded in the caller, so that an encoder that cannot start fails at
    once; the others by a thread of this writer, for two reasons: Ctrl-C and SIGTERM raise
    their exception in the main thread only, so they can never fall between encoding a frame
    and storing its packets (a packet lost there spoils every later frame that refers to it);
    and the encoding runs beside the recognition on another core. At most :data:`QUEUE_FRAMES`
    frames wait for it. ``close`` waits for the thread to write them all, then flushes the
    encoder and writes the index; if ``close`` is never called the thread does that itself once
    the main thread has ended.

    Raises ImportError when PyAV is missing and an FFmpeg error (``av.error.FFmpegError``,
    ``ValueError``, ...) when the encoder or the file cannot be opened: the caller falls back to
    OpenCV.
    """

    def __init__(self, path: Path, fps: float, size: tuple[int, int], live: bool = False) -> None:
        import av

        self.path = path
        self.live = live
        codec = PYAV_CODECS[path.suffix.lower()]
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
        self._time_base = Fraction(1, 1000) if live else 1 / rate
        width, height = size[0] + size[0] % 2, size[1] + size[1] % 2
        options = (
            {"movflags": "+faststart"} if path.suffix.lower() in (".mp4", ".m4v", ".mov") else {}
        )
        self._container: av.container.OutputContainer | None = av.open(
            str(path), "w", container_options=options
        )
        try:
            stream = self._container.add_stream(codec, rate=rate)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.codec_context.time_base = self._time_base
            if codec == "libx264":
                stream.options = (
                    {"preset": LIVE_PRESET, "tune": "zerolatency", "crf": "23"}
                    if live
                    else {"preset": FILE_PRESET, "crf": "23"}
                )
                self.description = "H.264"
            else:  # libvpx-vp9, real-time mode: about 9 ms of CPU per 960x720 frame
                stream.options = {
                    "deadline": "realtime",
                    "cpu-used": "8",
                    "row-mt": "1",
                    "crf": "32",
                    "b": "0",
                }
                self.description = "VP9"
            self._stream: av.video.stream.VideoStream = stream
        except BaseException:
            self._container.close()
            raise
        self._started: float | None = None
        self._last_pts = -1
        self._broken = False  # a write failed: FFmpeg's muxer must not be touched again
        self._error: BaseException | None = None  # what failed in the encoder thread
        self._queue: queue.Queue[av.VideoFrame | None] = queue.Queue(QUEUE_FRAMES)
        self._thread: threading.Thread | None = None
        self.frames = 0

    def write(self, image: np.ndarray) -> None:
        """Queue one BGR frame (the first is encoded at once); OutputError if an earlier frame
        failed."""
        import av

        if self._container is None:
            raise OutputError(f"{self.path} is already closed")
        if self._broken:
            raise OutputError(f"cannot write video {self.path}: {self._error}")
        frame = av.VideoFrame.from_ndarray(even_size(image), format="bgr24")  # a copy
        if self.live:
            now = clock()
            if self._started is None:
                self._started = now
            pts = max(round((now - self._started) * 1000), self._last_pts + 1)
        else:
            pts = self.frames
        frame.pts, frame.time_base = pts, self._time_base
        self._last_pts = pts
        if self._thread is None and self.frames == 0:
            self._encode(frame)  # in the caller: an encoder that cannot start fails here
            self._thread = threading.Thread(
                target=self._encode_queued, daemon=False, name=f"camdigit-video-{self.path.name}"
            )
            self._thread.start()
        else:
            self._put(frame)
        self.frames += 1

    def _put(self, item: object) -> None:
        while True:
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if self._thread is None or not self._thread.is_alive():
                    raise OutputError(
                        f"cannot write video {self.path}: its encoder stopped"
                    ) from None

    def _encode(self, frame: object) -> None:
        """Encode one frame (None: flush) and store its packets; after a failure, nothing more
        is muxed: PyAV 18 crashes the process (SIGSEGV) when it muxes again after a failed mux
        (a full disk)."""
        container = self._container
        if container is None:
            raise OutputError(f"{self.path} is already closed")
        try:
            for packet in self._stream.encode(frame):
                container.mux(packet)
        except BaseException as exc:
            self._broken, self._error = True, exc
            if not _encoder_trouble(exc):
                raise  # Ctrl-C or SIGTERM while the first frame is encoded in the caller
            raise OutputError(f"cannot write video {self.path}: {exc}") from None

    def _encode_queued(self) -> None:
        """The encoder thread: the queued frames in order, until ``close`` (a None) or the end
        of the main thread; then the file is finished."""
        try:
            while True:
                try:
                    frame = self._queue.get(timeout=0.5)
                except queue.Empty:
                    if threading.main_thread().is_alive():
                        continue
                    break  # never closed: finish the file before the process ends
                if frame is None:
                    break
                if not self._broken:
                    with contextlib.suppress(OutputError):  # kept in _error, raised by write
                        self._encode(frame)
        finally:
            self._finish()

    def _finish(self) -> None:
        container = self._container
        if container is None:
            return
        try:
            if not self._broken:
                with contextlib.suppress(OutputError):  # kept in _error, raised by close
                    self._encode(None)  # flush: the frames the encoder still holds
        finally:
            self._container = None
            try:
                container.close()  # writes the index (with +faststart, at the front)
            except Exception as exc:  # from FFmpeg: the disk is full, most likely
                if self._error is None:
                    self._error = exc

    def close(self) -> None:
        """Write every queued frame, flush the encoder and write the index; the file is closed
        even when that fails (OutputError then)."""
        if self._thread is not None:
            if self._thread.is_alive():
                self._queue.put(None)  # after the queued frames
                self._thread.join()
        else:
            self._finish()
        if self._error is not None:
            error, self._error = self._error, None
            raise OutputError(f"cannot finish video {self.path}: {error}")


class OpenCVVideo:
    """A video written by OpenCV's writer: MPEG-4 Part 2 (``.avi``: Motion JPEG; ``.webm``:
    VP8). The fallback where PyAV is missing; ``.avi`` always."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        self.path = path
        fourcc = VIDEO_CODECS.get(path.suffix.lower(), "mp4v")
        self.description = {"mp4v": "MPEG-4 Part 2", "MJPG": "Motion JPEG"}.get(fourcc, fourcc)
        self._video: cv2.VideoWriter | None = cv2.VideoWriter(
            str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size
        )
        if not self._video.isOpened():
            raise OutputError(f"cannot write video {path}: OpenCV could not open a writer")

    def write(self, image: np.ndarray) -> None:
        if self._video is None:
            raise OutputError(f"{self.path} is already closed")
        self._video.write(image)

    def close(self) -> None:
        video, self._video = self._video, None
        if video is not None:
            video.release()


def _encoder_trouble(exc: BaseException) -> bool:
    """PyAV missing or FFmpeg failing, as opposed to an interruption (Ctrl-C, SIGTERM) or a bug."""
    return (
        isinstance(exc, (ImportError, OSError, ValueError, RuntimeError, OutputError))
        or type(exc).__module__.split(".")[0] == "av"
    )


def open_video(path: Path, fps: float, first: np.ndarray, live: bool = False) -> VideoEncoder:
    """A writer for ``path`` that has written ``first``: PyAV where the suffix has an encoder
    there, else (or when PyAV is missing or fails to start) OpenCV's writer."""
    global _fallback_warned
    size = (first.shape[1], first.shape[0])
    if path.suffix.lower() in PYAV_CODECS:
        video: PyAVVideo | None = None
        try:
            video = PyAVVideo(path, fps, size, live=live)
            video.write(first)  # an encoder that cannot start fails here, not at frame 100
            return video
        except BaseException as exc:  # PyAV missing, an FFmpeg build without the encoder, ...
            if video is not None:
                with contextlib.suppress(Exception):  # OpenCV's file replaces it below
                    video.close()
            if not _encoder_trouble(exc):
                raise
            reason = (
                "PyAV is not installed (pip install av)"
                if isinstance(exc, ImportError)
                else f"PyAV could not encode it ({exc})"
            )
            if not _fallback_warned:
                _fallback_warned = True
                log.warning(
                    "saving %s with OpenCV's writer, which most browsers cannot play: %s",
                    path,
                    reason,
                )
            else:
                log.info("saving %s with OpenCV's writer: %s", path, reason)
    fallback = OpenCVVideo(path, fps, size)
    fallback.write(first)
    return fallback


class AnnotatedWriter:
    """Saves annotated frames: an image for a photo, a video for a video or camera, and for a
    folder or glob a folder with one annotated file per input file.

    Videos keep the input's frame rate and size; the writer is made from the first frame.
    """

    def __init__(self, target: str | Path, source: FrameSource, overwrite: bool = False) -> None:
        self.target = Path(target)
        self.fps = source.fps or 30.0
        _refuse_to_replace(self.target, source, overwrite)
        if isinstance(source, MediaListSource):
            self.mode = "folder"
            if self.target.exists() and not self.target.is_dir():
                raise OutputError(
                    f"--save {self.target}: the input is several files, so give a "
                    f"folder to save them in"
                )
            if not self.target.parent.is_dir():
                raise OutputError(
                    f"cannot write into {self.target}: folder {self.target.parent} does not exist"
                )
            self.target.mkdir(exist_ok=True)
        elif isinstance(source, ImageSource):
            self.mode = "image"
            if self.target.suffix.lower() not in IMAGE_SUFFIXES:
                raise OutputError(
                    f"--save {self.target}: the input is an image, so give an "
                    f"image name (.png, .jpg)"
                )
            check_writable(self.target)
        else:
            self.mode = "video"
            if self.target.suffix.lower() not in VIDEO_CODECS:
                raise OutputError(
                    f"--save {self.target}: give a video name ending in "
                    f"{', '.join(sorted(VIDEO_CODECS))}"
                )
            check_writable(self.target)
        self.live = source.live
        self._video: VideoEncoder | None = None
        self._video_size: tuple[int, int] | None = None
        self._failed = False  # a write failed: closing must not hide that error with another
        self._current_source: str | None = None
        self.written: list[Path] = []
        self.frames = 0

    def write(self, image: np.ndarray, source: str, still: bool) -> None:
        if self.mode == "image":
            self._write_image(self.target, image)
        elif self.mode == "video":
            self._write_video_frame(self.target, image)
        else:
            stem = Path(source).stem
            if still:
                self._write_image(self.target / f"{stem}.annotated.jpg", image)
            else:
                if source != self._current_source:
                    self._close_video()
                self._write_video_frame(self.target / f"{stem}.annotated.mp4", image)
        self._current_source = source
        self.frames += 1

    def _write_image(self, path: Path, image: np.ndarray) -> None:
        try:
            ok = cv2.imwrite(str(path), image)
        except cv2.error as exc:
            raise OutputError(f"cannot write {path}: {exc.err}") from None
        if not ok:
            raise OutputError(f"cannot write {path} (disk full, or the folder was removed?)")
        if path not in self.written:
            self.written.append(path)

    def _write_video_frame(self, path: Path, image: np.ndarray) -> None:
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        size = (image.shape[1], image.shape[0])
        if self._video is not None and size != self._video_size:
            image = cv2.resize(image, self._video_size, interpolation=cv2.INTER_AREA)
        try:
            if self._video is None:
                self._video = open_video(path, self.fps, image, live=self.live)
                self._video_size = size
                self.written.append(path)
                log.debug("writing %s as %s", path, self._video.description)
            else:
                self._video.write(image)
        except OutputError:
            self._failed = True
            raise

    @property
    def video_format(self) -> str | None:
        """The codec of the video being written ("H.264", "VP9", "MPEG-4 Part 2", ...)."""
        return self._video.description if self._video is not None else None

    def _close_video(self) -> None:
        video, self._video = self._video, None
        if video is None:
            return
        try:
            video.close()
        except OutputError:
            if not self._failed:
                raise
            return
        path = video.path
        if not self._failed and (not path.exists() or path.stat().st_size == 0):
            raise OutputError(
                f"video {path} was not written (disk full, or the folder was removed?)"
            )

    def close(self) -> None:
        self._close_video()

    def __enter__(self) -> AnnotatedWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
