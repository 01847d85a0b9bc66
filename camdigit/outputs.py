"""Where results go: JSON Lines (one object per frame, flushed per frame) and annotated media.

Both writers are context managers that close what they opened on any exit, an error, Ctrl-C or
SIGTERM included, so a video being written stays playable and every frame processed so far is a
whole line of JSON.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np

from camdigit.detections import FrameResult
from camdigit.sources import IMAGE_SUFFIXES, FrameSource, ImageSource, MediaListSource

log = logging.getLogger(__name__)

VIDEO_CODECS = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "mp4v"}
"""FourCC per video suffix; all are in the FFmpeg build of opencv-python."""


class OutputError(Exception):
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


def _input_files(source: FrameSource) -> list[Path]:
    """The files a source reads (none for a camera or a stream)."""
    if isinstance(source, MediaListSource):
        return list(source.paths)
    path = Path(getattr(source, "name", "") or "")
    return [path] if str(path) and path.is_file() else []


def _refuse_to_replace(target: Path, source: FrameSource, overwrite: bool) -> None:
    """Never write over an input; replace an existing output only when asked (``--overwrite``).

    Checked before any frame is read. For a folder of inputs, the files it would write
    (``NAME.annotated.jpg`` / ``.mp4``) are the outputs checked.
    """
    inputs = {p.resolve() for p in _input_files(source)}
    if isinstance(source, MediaListSource):
        outputs = [target / (p.stem + (".annotated.jpg" if p.suffix.lower() in IMAGE_SUFFIXES
                                       else ".annotated.mp4")) for p in source.paths]
    else:
        outputs = [target]
    for path in outputs:
        if path.resolve() in inputs:
            raise OutputError(f"--save {path} is an input: give another name, so that it is "
                              f"not replaced by the annotated copy")
        if path.is_file() and not overwrite:
            raise OutputError(f"--save {path} exists: give another name, or --overwrite to "
                              f"replace it")


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
                raise OutputError(f"--save {self.target}: the input is several files, so give a "
                                  f"folder to save them in")
            if not self.target.parent.is_dir():
                raise OutputError(f"cannot write into {self.target}: folder "
                                  f"{self.target.parent} does not exist")
            self.target.mkdir(exist_ok=True)
        elif isinstance(source, ImageSource):
            self.mode = "image"
            if self.target.suffix.lower() not in IMAGE_SUFFIXES:
                raise OutputError(f"--save {self.target}: the input is an image, so give an "
                                  f"image name (.png, .jpg)")
            check_writable(self.target)
        else:
            self.mode = "video"
            if self.target.suffix.lower() not in VIDEO_CODECS:
                raise OutputError(f"--save {self.target}: give a video name ending in "
                                  f"{', '.join(sorted(VIDEO_CODECS))}")
            check_writable(self.target)
        self._video: cv2.VideoWriter | None = None
        self._video_path: Path | None = None
        self._video_size: tuple[int, int] | None = None
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
        if self._video is None:
            fourcc = cv2.VideoWriter_fourcc(*VIDEO_CODECS.get(path.suffix.lower(), "mp4v"))
            video = cv2.VideoWriter(str(path), fourcc, self.fps, size)
            if not video.isOpened():
                raise OutputError(f"cannot write video {path}: OpenCV could not open a writer")
            self._video, self._video_path, self._video_size = video, path, size
            self.written.append(path)
        elif size != self._video_size:
            image = cv2.resize(image, self._video_size, interpolation=cv2.INTER_AREA)
        self._video.write(image)

    def _close_video(self) -> None:
        video, self._video = self._video, None
        if video is not None:
            video.release()
            path = self._video_path
            if path is not None and (not path.exists() or path.stat().st_size == 0):
                raise OutputError(f"video {path} was not written (disk full, or the folder "
                                  f"was removed?)")

    def close(self) -> None:
        self._close_video()

    def __enter__(self) -> AnnotatedWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
