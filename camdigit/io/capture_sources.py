"""Sources read through a capture device: :class:`VideoSource` (``cv2.VideoCapture``: video
files, cameras, network streams) and :class:`PicameraSource` (the Raspberry Pi camera through
picamera2). Live ones are read by a :class:`~camdigit.io.latest_frame.LatestFrameReader`."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator

import cv2
import numpy as np

from camdigit.io.frame_source import DEFAULT_FPS, Frame, FrameSource, SourceError
from camdigit.io.latest_frame import LatestFrameReader
from camdigit.io.quiet import quiet_libraries

log = logging.getLogger(__name__)


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
        capture = self._open()
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 0 < fps < 1000 else (DEFAULT_FPS if live else None)
        if not live:
            count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
            self.total = count if count > 0 else None
        self._reader = (
            LatestFrameReader(name, self._read_live, self._recover, self._release, self.problems)
            if live
            else None
        )

    def _open(self) -> cv2.VideoCapture:
        """Open the target (kept as the capture, and returned); SourceError when it cannot."""
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
        return capture

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
