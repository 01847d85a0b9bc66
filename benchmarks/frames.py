"""Frames held in memory, fed to the real run loop as a source, and what the loop gives back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from camdigit.core.detections import FrameResult
from camdigit.core.pipeline import Recognizer
from camdigit.io.runner import run
from camdigit.io.sources import Frame, FrameSource


class ArraySource(FrameSource):
    """Frames held in memory as a source (each yielded as a copy: drawing changes it)."""

    def __init__(
        self, frames: list[np.ndarray], name: str, fps: float = 15.0, still: bool = False
    ) -> None:
        super().__init__()
        self.frames = frames
        self.name = name
        self.fps = fps
        self.total = len(frames)
        self.still = still

    def __iter__(self) -> Iterator[Frame]:
        for index, image in enumerate(self.frames):
            yield Frame(image.copy(), index, index / self.fps, self.name, still=self.still)


@dataclass
class Collected:
    """What one run produced, frame by frame."""

    results: list[FrameResult]

    def __call__(self, result: FrameResult) -> None:
        self.results.append(result)


def read_still(recognizer: Recognizer, image: np.ndarray, name: str) -> FrameResult:
    """One photo read as ``camdigit run`` reads a still: through the run loop, untracked."""
    collected = Collected([])
    run(ArraySource([image], name, still=True), recognizer, on_result=collected)
    return collected.results[0]
