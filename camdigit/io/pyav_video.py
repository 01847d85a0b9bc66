"""Browser-playable videos through PyAV (FFmpeg's libraries, the ``av`` package):
:class:`PyAVVideo` encodes H.264 (yuv420p) for ``.mp4``/``.m4v``/``.mov``/``.mkv``, with the
index at the front of an MP4 (``+faststart``: it starts playing before it is all downloaded),
and VP9 for ``.webm``, in an encoder thread of its own."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import cv2
import numpy as np

from camdigit.io.output_checks import OutputError

if TYPE_CHECKING:
    import av.container
    import av.video.stream

VideoCodec = Literal["libx264", "libvpx-vp9"]
"""The encoders PyAV is asked for (so that its ``add_stream`` is known to make a video stream)."""

PYAV_CODECS: dict[str, VideoCodec] = {
    ".mp4": "libx264",
    ".m4v": "libx264",
    ".mov": "libx264",
    ".mkv": "libx264",
    ".webm": "libvpx-vp9",
}
"""PyAV's encoder per video suffix; other suffixes (``.avi``) are written by OpenCV."""

X264_OPTIONS = {"tune": "zerolatency", "crf": "23"}
"""x264 settings of every saved H.264 video: ``zerolatency`` (no B-frames, no look-ahead), so
the encoder holds no frames back (a camera's video is written as it happens; a file's keeps the
run's memory low: a Raspberry Pi), at constant quality ``crf`` 23."""

FILE_PRESET = "veryfast"
"""x264 preset for a video made from a file: with :data:`X264_OPTIONS` and no sub-pixel motion
search (``subme=0``: no half-pixel copies of the reference frame), the peak memory of
``camdigit run`` saving a 960x720 video is about 145 MB, where the preset's own settings took
about 190 MB (``python -m benchmarks.run`` prints it); the file is larger at the same quality,
and still smaller than the ``ultrafast`` preset's, which saves as much memory."""

LIVE_PRESET = "ultrafast"
"""x264 preset for a camera or stream: about 4-5 ms of CPU per 960x720 frame on a 2-core x86
machine, so that a Raspberry Pi keeps up; the file is about 2-3 times larger."""

FILE_OPTIONS = {**X264_OPTIONS, "preset": FILE_PRESET, "x264-params": "subme=0"}
LIVE_OPTIONS = {**X264_OPTIONS, "preset": LIVE_PRESET}

clock = time.monotonic
"""Times a live source's frames in its saved video (seconds; replaced in tests)."""

QUEUE_FRAMES = 4
"""Frames that may wait for the encoder thread (a 960x720 frame is 1 MB in yuv420p)."""


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
                stream.options = dict(LIVE_OPTIONS if live else FILE_OPTIONS)
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
        # Converted here, by OpenCV: the queue then holds half the bytes of BGR frames, and
        # the encoder thread needs no scaler of its own (BT.601, limited range, as x264 expects).
        planes = np.asarray(cv2.cvtColor(even_size(image), cv2.COLOR_BGR2YUV_I420), np.uint8)
        frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
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

    def _put(self, item: av.VideoFrame | None) -> None:
        while True:
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if self._thread is None or not self._thread.is_alive():
                    raise OutputError(
                        f"cannot write video {self.path}: its encoder stopped"
                    ) from None

    def _encode(self, frame: av.VideoFrame | None) -> None:
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
            if not encoder_trouble(exc):
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


def encoder_trouble(exc: BaseException) -> bool:
    """PyAV missing or FFmpeg failing, as opposed to an interruption (Ctrl-C, SIGTERM) or a bug."""
    return (
        isinstance(exc, (ImportError, OSError, ValueError, RuntimeError, OutputError))
        or type(exc).__module__.split(".")[0] == "av"
    )
