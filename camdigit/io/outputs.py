"""Where results go: JSON Lines (one object per frame, flushed per frame) and annotated media.

Both writers are context managers that close what they opened on any exit, an error, Ctrl-C or
SIGTERM included, so a video being written stays playable and every frame processed so far is a
whole line of JSON.

Videos are written by :func:`~camdigit.io.video_writers.open_video` (H.264 or VP9 through PyAV,
else OpenCV's writer); the checks made before anything is written are in
:mod:`camdigit.io.output_checks`.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np

from camdigit.core.detections import FrameResult
from camdigit.io.output_checks import OutputError, check_writable, input_files, refuse_to_replace
from camdigit.io.sources import IMAGE_SUFFIXES, FrameSource, ImageSource, MediaListSource
from camdigit.io.video_writers import VIDEO_CODECS, VideoEncoder, open_video

log = logging.getLogger(__name__)


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
