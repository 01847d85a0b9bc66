"""Where ``camdigit collect`` saves its crops: :class:`Collection` (``OUT/<digit>/``, a name not
yet taken for each crop, the counts) and the check, before any work, of the crops an earlier
``collect`` saved from the same inputs (:func:`check_out`, :data:`CROP_NAME`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from camdigit.io.outputs import OutputError, input_files, refuse_to_replace
from camdigit.io.sources import FrameSource

CROP_NAME = re.compile(r"(.+)-f\d+-\d+(?:-\d+)?\.png")
"""A saved crop's file name: its photo's or video's name (group 1), the frame, the digit's place
in it, and a number where that name was taken."""


@dataclass
class Collection:
    """Where crops go, and how many of each digit there are.

    ``earlier``: crops saved before, by the name of the input they came from, that this run
    replaces (``--overwrite``): those of an input are removed when its first crops are saved.
    """

    out: Path
    counts: Counter = field(default_factory=Counter)
    saved: int = 0
    earlier: dict[str, list[Path]] = field(default_factory=dict)
    replaced: int = 0

    def __post_init__(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        for digit in range(10):
            folder = self.out / str(digit)
            if folder.is_dir():
                self.counts[digit] = sum(1 for p in folder.iterdir() if p.suffix == ".png")

    def save(self, crop: np.ndarray, label: int, name: str) -> Path:
        folder = self.out / str(label)
        folder.mkdir(exist_ok=True)
        path = folder / f"{name}.png"
        n = 1
        while path.exists():
            path = folder / f"{name}-{n}.png"
            n += 1
        if not cv2.imwrite(str(path), crop):
            raise OSError(f"cannot write {path}")
        self.counts[label] += 1
        self.saved += 1
        return path

    def replace_earlier(self, stem: str) -> None:
        """Remove the crops saved before from the input named ``stem`` (once: this run's own
        crops are never removed)."""
        for path in self.earlier.pop(stem, []):
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise OutputError(f"cannot replace {path}: {exc.strerror}") from None
            self.counts[int(path.parent.name)] -= 1
            self.replaced += 1

    def line(self) -> str:
        return "  ".join(f"{d}:{self.counts[d]}" for d in range(10))


def earlier_crops(out: Path, stems: Iterable[str]) -> dict[str, list[Path]]:
    """The crops in ``OUT/<digit>/`` named after each of ``stems`` (inputs' names without
    suffix), saved there by an earlier ``collect``."""
    wanted = set(stems)
    found: dict[str, list[Path]] = {}
    for digit in range(10):
        folder = out / str(digit)
        if not wanted or not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            match = CROP_NAME.fullmatch(path.name)
            if match is not None and match.group(1) in wanted and path.is_file():
                found.setdefault(match.group(1), []).append(path)
    return found


def check_out(out: Path, source: FrameSource, overwrite: bool) -> dict[str, list[Path]]:
    """Refuse, before any work, a run over an input whose crops ``out`` already holds, unless
    ``overwrite``; and, always, one that would replace an input. Returns those earlier crops by
    the input's name (what ``--overwrite`` replaces); none for a camera or stream."""
    inputs = input_files(source)
    named: dict[str, Path] = {}
    for path in inputs:
        named.setdefault(path.stem, path)
    earlier = earlier_crops(out, named)
    for stem, crops in earlier.items():
        refuse_to_replace(
            crops,
            inputs,
            overwrite,
            flag="--out",
            instead="another folder",
            by="a new crop",
            replaced=f"the crops of {named[stem].name} saved before",
        )
    return earlier
