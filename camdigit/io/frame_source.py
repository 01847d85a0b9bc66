"""What every source yields and is: :class:`Frame`, the :class:`FrameSource` base class and
:class:`SourceError`, shared by the file, camera and stream sources."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from camdigit.errors import CamdigitError

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
