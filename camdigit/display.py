"""The live window: whether one can be shown at all, and its keys (q quits, space pauses,
s saves a snapshot).

Whether a window is possible is decided before any is opened, never by trying: with the Qt build
of OpenCV and no display, ``cv2.imshow`` aborts the whole process, which no ``try`` can catch.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

WINDOW = "camdigit"


def gui_build() -> bool:
    """True when this OpenCV was built with a GUI backend (opencv-python, not -headless)."""
    for line in cv2.getBuildInformation().splitlines():
        key, _, value = line.strip().partition(":")
        if key.strip() == "GUI":
            return value.strip().upper() not in ("", "NONE", "NO")
    return False


def display_available() -> bool:
    """A window can be shown: a GUI build of OpenCV and a screen to show it on."""
    if not gui_build():
        return False
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def why_no_display() -> str:
    if not gui_build():
        return ("this OpenCV has no GUI (opencv-python-headless): pip install opencv-python "
                "in place of it to get a window")
    return "no display found (DISPLAY is not set)"


class Window:
    """Shows frames; ``show`` returns False when the user asked to quit."""

    def __init__(self, snapshot_dir: Path = Path(".")) -> None:
        self.snapshot_dir = snapshot_dir
        self.snapshots: list[Path] = []
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)

    def show(self, image: np.ndarray) -> bool:
        cv2.imshow(WINDOW, image)
        key = cv2.waitKey(1) & 0xFF
        paused = key == ord(" ")
        while True:
            if key in (ord("q"), 27):  # q or Esc
                return False
            if key == ord("s"):
                self._snapshot(image)
            if not paused:
                return True
            key = cv2.waitKey(0) & 0xFF  # paused: space goes on, q quits, s saves
            if key == ord(" "):
                return True

    def _snapshot(self, image: np.ndarray) -> None:
        path = self.snapshot_dir / time.strftime("camdigit-%Y%m%d-%H%M%S.png")
        n = 1
        while path.exists():
            path = path.with_name(f"{path.stem.split('_')[0]}_{n}.png")
            n += 1
        cv2.imwrite(str(path), image)
        self.snapshots.append(path)

    def close(self) -> None:
        cv2.destroyWindow(WINDOW)
        cv2.waitKey(1)
