"""Real photos for development: read with ``camdigit run``'s own code, scored against labels.

The folder holds photos and a ``labels.json`` mapping each file name to ``lines`` (the digits of
each text line, top to bottom) and ``numbers`` (the numbers a person reads there). Its default
place is ``photos-dev`` in the data folder (``$CAMDIGIT_DATA``, else ``../shared/data`` beside
the repository); ``--photos`` names another. Develop against them; never train on them.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.frames import read_still
from benchmarks.matching import PhotoScore, score_photo
from camdigit.core.detections import FrameResult
from camdigit.core.pipeline import Recognizer
from camdigit.io.sources import open_source

REPO = Path(__file__).resolve().parent.parent


def data_root() -> Path:
    """Where the benchmarks look for data: ``$CAMDIGIT_DATA``, else ``../shared/data``."""
    env = os.environ.get("CAMDIGIT_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def default_photos() -> Path | None:
    """The development photos' folder, when it is there."""
    folder = data_root() / "photos-dev"
    return folder if (folder / "labels.json").is_file() else None


def photos_missing(folder: Path | None, program: str, instead: str = "") -> bool:
    """Whether ``folder`` holds no ``labels.json``; if so, says so on stderr for ``program``
    (and what to do ``instead``)."""
    if folder is not None and (folder / "labels.json").is_file():
        return False
    print(
        f"{program}: no labelled photos (photos-dev in $CAMDIGIT_DATA or ../shared/data); "
        f"give a folder with a labels.json by --photos{instead}",
        file=sys.stderr,
    )
    return True


@dataclass(frozen=True)
class PhotoResult:
    """One real photo: its labels, what was read, and the score."""

    name: str
    image: np.ndarray  # as decoded by the run loop (upright), for the error gallery
    lines: list[str]
    numbers: list[str]
    result: FrameResult
    score: PhotoScore

    @property
    def read_text(self) -> str:
        return " ".join(n.text for n in self.result.numbers)


def read_photos(
    recognizer: Recognizer,
    folder: Path,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[PhotoResult]:
    """Read every labelled photo of ``folder`` as ``camdigit run`` would, and score it;
    ``transform`` changes each decoded photo first (turned, shrunk: see
    :mod:`benchmarks.photo_variants`)."""
    labels_path = folder / "labels.json"
    try:
        labels = json.loads(labels_path.read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read {labels_path}: {exc}") from None
    photos = []
    for name in sorted(labels):
        entry = labels[name]
        path = folder / name
        if not path.is_file():
            raise ValueError(f"{labels_path} names {name}, which is not in {folder}")
        image = _decode(path)
        if transform is not None:
            image = transform(image)
        result = read_still(recognizer, image, name)
        lines = list(entry["lines"])
        numbers = list(entry.get("numbers", lines))
        score = score_photo(
            [int(d) for d in result.detections.digits],
            [n.text for n in result.numbers],
            lines,
            numbers,
        )
        photos.append(PhotoResult(name, image, lines, numbers, result, score))
    return photos


def _decode(path: Path) -> np.ndarray:
    """The photo as ``camdigit run`` decodes it (upright by its EXIF, huge ones shrunk)."""
    source = open_source(str(path))
    try:
        return next(iter(source)).image
    finally:
        source.close()
