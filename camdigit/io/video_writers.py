"""Opening a video to write: :func:`open_video` picks PyAV's encoder
(:class:`~camdigit.io.pyav_video.PyAVVideo`) where the suffix has one, else OpenCV's writer
(:class:`OpenCVVideo`: ``.avi`` as Motion JPEG always, and the fallback, with a warning once,
when PyAV is missing or its encoder cannot start: MPEG-4 Part 2, which browsers do not play)."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from camdigit.io.output_checks import OutputError
from camdigit.io.pyav_video import PYAV_CODECS, PyAVVideo, encoder_trouble

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

_fallback_warned = False  # the PyAV fallback is said once per process, not once per file


class VideoEncoder(Protocol):
    """One video file being written; ``close`` finishes it (flushing the encoder)."""

    path: Path
    description: str

    def write(self, image: np.ndarray) -> None: ...

    def close(self) -> None: ...


class OpenCVVideo:
    """A video written by OpenCV's writer: MPEG-4 Part 2 (``.avi``: Motion JPEG; ``.webm``:
    VP8). The fallback where PyAV is missing; ``.avi`` always."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        self.path = path
        fourcc = VIDEO_CODECS.get(path.suffix.lower(), "mp4v")
        self.description = {"mp4v": "MPEG-4 Part 2", "MJPG": "Motion JPEG"}.get(fourcc, fourcc)
        self._video: cv2.VideoWriter | None = cv2.VideoWriter(
            str(path), cv2.VideoWriter.fourcc(*fourcc), fps, size
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
            if not encoder_trouble(exc):
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
