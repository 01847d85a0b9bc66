"""``--resume``: where a ``--json`` file of an earlier run stands (:func:`find_resume_point`),
checked against the files SOURCE lists (:func:`check_resume_point`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from camdigit.errors import UsageError


@dataclass(frozen=True)
class ResumePoint:
    """Where a ``--json`` file stands: what to keep, and which files are complete in it."""

    keep_bytes: int  # its length once the last file's lines (maybe cut short) are removed
    kept_lines: int
    complete: frozenset[str]  # sources whose lines are all there
    redo: str | None  # the last source in it, whose lines are removed and read again


def find_resume_point(path: Path) -> ResumePoint:
    """Scan a ``--json`` file written by ``camdigit run`` (of any number of workers).

    Files are written whole and in order, so a source followed by another one is complete;
    the last one may have been cut short (as may its last line): it is to be read again.
    """
    complete: set[str] = set()
    last: str | None = None
    last_start = lines_before_last = lines = 0
    offset = 0
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, 1):
            if not raw.endswith(b"\n"):
                break  # a line cut short by the kill: dropped
            try:
                source = json.loads(raw)["source"]
            except (ValueError, KeyError, TypeError):
                raise UsageError(
                    f"--resume: line {number} of {path} is not a camdigit run "
                    f"record; give the --json file of an earlier run"
                ) from None
            if source != last:
                if last is not None:
                    complete.add(last)
                if source in complete:
                    raise UsageError(
                        f"--resume: {path} holds the lines of {source} in two "
                        f"places; it was not written by one camdigit run"
                    )
                last, last_start, lines_before_last = source, offset, lines
            offset += len(raw)
            lines += 1
    if last is None:
        return ResumePoint(0, 0, frozenset(), None)
    return ResumePoint(last_start, lines_before_last, frozenset(complete), last)


def check_resume_point(json_path: Path, listed: list[str], spec: str) -> ResumePoint:
    """The resume point of ``json_path``, refused when it holds lines of a file that SOURCE
    (``spec``, listing ``listed``) does not list."""
    point = find_resume_point(json_path)
    in_file = set(point.complete) | ({point.redo} if point.redo else set())
    unknown = in_file - set(listed)
    if unknown:
        raise UsageError(
            f"--resume: {json_path} holds lines of {sorted(unknown)[0]}, which "
            f"{spec} does not list; give SOURCE as in the run that wrote it"
        )
    return point
