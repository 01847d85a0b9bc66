"""Checks made before anything is written, and their error: :class:`OutputError`; an output's
folder must exist and be writable, and no output may replace an input (or an existing file
without ``--overwrite``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from camdigit.errors import CamdigitError
from camdigit.io.sources import FrameSource, MediaListSource


class OutputError(CamdigitError):
    """An output cannot be written; the message names it."""


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
