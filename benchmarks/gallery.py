"""The error gallery: every miss, wrong reading, false digit and wrong number, on one HTML page.

Each error is cut out of its frame with context around it, its box drawn (red: the digit or
number in question), and listed under its family with what was expected and what was read, so a
person sees the classes of failure at a glance. Real photos, which have no boxes, are shown whole
with what camdigit drew on them, beside the expected and the read text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from benchmarks.matching import ErrorCase

THUMB_HEIGHT = 112
"""Height of a thumbnail on the page, in pixels (small crops are enlarged to it)."""

MAX_PER_SECTION = 300
"""At most this many errors are shown per family (the count says how many there were)."""

_LABELS = {
    "missed": "missed",
    "wrong": "wrong digit",
    "false": "false digit",
    "number": "wrong number",
    "video digit": "video digit not read",
}


@dataclass
class _Entry:
    image: str  # file name relative to the page
    kind: str
    caption: str


@dataclass
class _Section:
    title: str
    total: int = 0
    entries: list[_Entry] = field(default_factory=list)


class ErrorGallery:
    """Collects error crops into ``folder`` and writes ``folder/index.html``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._sections: dict[str, _Section] = {}
        self._count = 0

    def add(
        self, section: str, name: str, frames: Sequence[np.ndarray], errors: Sequence[ErrorCase]
    ) -> None:
        """Errors of one scene or video (``name``), whose frames they point into."""
        part = self._sections.setdefault(section, _Section(section))
        part.total += len(errors)
        for error in errors:
            if len(part.entries) >= MAX_PER_SECTION:
                return
            crop = context_crop(frames[error.frame], error.box)
            file = self._save(crop)
            where = f"{name} frame {error.frame}" if len(frames) > 1 else name
            part.entries.append(_Entry(file, error.kind, f"{_caption(error)}<br>{where}"))

    def add_photo(
        self, section: str, name: str, drawn: np.ndarray, expected: str, read: str
    ) -> None:
        """A real photo shown whole (``drawn``: with camdigit's boxes and labels)."""
        part = self._sections.setdefault(section, _Section(section))
        part.total += 1
        file = self._save(_fit(drawn, 4 * THUMB_HEIGHT))
        caption = (
            f"{html.escape(name)}<br>expected: <b>{html.escape(expected)}</b><br>"
            f"read: <b>{html.escape(read) or '(nothing)'}</b>"
        )
        part.entries.append(_Entry(file, "photo", caption))

    def write(self) -> Path:
        """Write the index page; returns its path."""
        parts = [
            "<!doctype html><meta charset='utf-8'><title>camdigit error gallery</title>",
            "<style>body{font:14px sans-serif;margin:1em}figure{display:inline-block;"
            "margin:4px;vertical-align:top;text-align:center;max-width:420px}"
            "figcaption{font-size:12px}img{border:1px solid #ccc}"
            ".missed{color:#b00}.wrong{color:#a50}.false{color:#60a}.number{color:#05a}"
            "</style>",
            "<h1>camdigit error gallery</h1>",
            "<p>",
        ]
        parts += [
            f"<a href='#{_anchor(s.title)}'>{html.escape(s.title)}</a> ({s.total}) "
            for s in self._sections.values()
        ]
        parts.append("</p>")
        for section in self._sections.values():
            shown = (
                f"{len(section.entries)} of {section.total} shown"
                if section.total > len(section.entries)
                else f"{section.total}"
            )
            parts.append(
                f"<h2 id='{_anchor(section.title)}'>{html.escape(section.title)} ({shown})</h2>"
            )
            if not section.entries:
                parts.append("<p>no errors</p>")
            for entry in section.entries:
                css = entry.kind.split()[0]
                parts.append(
                    f"<figure><img src='{entry.image}' loading='lazy'><figcaption "
                    f"class='{css}'>{entry.caption}</figcaption></figure>"
                )
        page = self.folder / "index.html"
        page.write_text("\n".join(parts) + "\n")
        return page

    def _save(self, image: np.ndarray) -> str:
        self._count += 1
        name = f"e{self._count:05d}.png"
        cv2.imwrite(str(self.folder / name), image)
        return name


def context_crop(frame: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The box and its surroundings (most of a box's size on each side), the box drawn red."""
    x, y, w, h = box
    pad = max(8, int(0.75 * max(w, h)))
    height, width = frame.shape[:2]
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(width, x + w + pad), min(height, y + h + pad)
    crop = frame[y0:y1, x0:x1]
    crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR) if crop.ndim == 2 else crop.copy()
    scale = THUMB_HEIGHT / max(1, crop.shape[0])
    if scale > 1:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    else:
        scale = 1.0
    top_left = (int((x - x0) * scale), int((y - y0) * scale))
    bottom_right = (int((x - x0 + w) * scale) - 1, int((y - y0 + h) * scale) - 1)
    cv2.rectangle(crop, top_left, bottom_right, (0, 0, 255), 1)
    return _fit(crop, 3 * THUMB_HEIGHT)


def _fit(image: np.ndarray, longest: int) -> np.ndarray:
    scale = longest / max(image.shape[:2])
    if scale >= 1:
        return image
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _caption(error: ErrorCase) -> str:
    label = _LABELS.get(error.kind, error.kind)
    parts = [f"<b>{label}</b>"]
    if error.expected:
        parts.append(f"expected {html.escape(error.expected)}")
    if error.read:
        parts.append(f"read {html.escape(error.read)}")
    elif error.kind in ("missed", "number"):
        parts.append("read nothing")
    return ", ".join(parts)


def _anchor(title: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in title.lower())
