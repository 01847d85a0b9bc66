"""The live window: whether one can be shown at all, and its keys (q quits, space pauses,
s saves a snapshot).

Whether a window is possible is decided before any is opened, never by trying: with the Qt build
of OpenCV (``opencv-python``) and no X server, ``cv2.imshow`` aborts the whole process
(SIGABRT), which no ``try`` can catch. So :func:`check_display` looks at what OpenCV was built
with (``cv2.getBuildInformation()``: a headless build has no GUI), at the platform, at
``DISPLAY`` / ``WAYLAND_DISPLAY``, and on X11 asks the X server for its screen size over a
plain Xlib connection (no window): a ``DISPLAY`` that names no running server means no window.

The window opens at the frame's size, made smaller when the frame would not fit the screen, and
Qt's own warnings (a font directory it looks for, ...) are kept off the terminal through Qt's
logging rules, set before the first window.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

WINDOW = "camdigit"
TITLE = "camdigit - q quits, space pauses, s saves a snapshot"
FALLBACK_SCREEN = (1280, 800)
"""Screen size assumed where it cannot be asked (macOS, Wayland): frames larger are shown
smaller (the window can still be resized)."""

QT_LOGGING_RULES = "default.warning=false;qt.*.warning=false"
"""Qt's messages below "critical" off: the "Qt no longer ships fonts" note (qWarning, category
"default") and the qt.qpa plugin chatter. A ``QT_LOGGING_RULES`` the user set is kept."""

HEADLESS_TO_GUI = (
    "pip uninstall -y opencv-python-headless opencv-python && pip install opencv-python"
)
"""Both packages fill the same cv2 folder: remove both, then install the one wanted."""


def gui_backend(build_info: str | None = None) -> str | None:
    """The GUI backend OpenCV was built with (``QT5``, ``GTK3``, ``WIN32UI``, ``COCOA``, ...),
    None for a headless build (``opencv-python-headless``).

    ``build_info`` is ``cv2.getBuildInformation()`` (read when None); its ``GUI:`` line names
    the backend, ``NONE`` when there is none.
    """
    info = cv2.getBuildInformation() if build_info is None else build_info
    for line in info.splitlines():
        key, _, value = line.strip().partition(":")
        if key.strip() == "GUI":
            value = value.strip().upper()
            return None if value in ("", "NONE", "NO", "OFF") else value
    return None


def gui_build() -> bool:
    """True when this OpenCV was built with a GUI backend (opencv-python, not -headless)."""
    return gui_backend() is not None


OPENCV_PACKAGES = (
    "opencv-python",
    "opencv-python-headless",
    "opencv-contrib-python",
    "opencv-contrib-python-headless",
)
_warned_twice = False


def opencv_packages() -> list[str]:
    """The OpenCV packages pip installed here; more than one share (and overwrite) one cv2
    folder, so which build runs, GUI or not, is an accident."""
    from importlib import metadata

    found = []
    for name in OPENCV_PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            metadata.version(name)
            found.append(name)
    return found


def warn_if_several_opencvs(found: list[str] | None = None) -> bool:
    """Log once a process when several OpenCV packages are installed; True when they are."""
    global _warned_twice
    found = opencv_packages() if found is None else found
    if len(found) < 2:
        return False
    if not _warned_twice:
        _warned_twice = True
        keep = "opencv-python" if "opencv-python" in found else found[0]
        log.warning(
            "%s are installed together and share one cv2 folder: keep one, e.g. "
            "pip uninstall -y %s && pip install %s",
            " and ".join(found),
            " ".join(found),
            keep,
        )
    return True


@dataclass(frozen=True)
class DisplayCheck:
    """Whether a window can be shown; if not, why; and the screen's size when known."""

    ok: bool
    reason: str = ""
    screen: tuple[int, int] | None = None


XProbe = Callable[[str], tuple[bool, "tuple[int, int] | None"]]


def check_display(
    build_info: str | None = None,
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    x_probe: XProbe | None = None,
) -> DisplayCheck:
    """Decide, without opening any window, whether one can be shown.

    Every input can be given (tests): ``build_info`` as ``cv2.getBuildInformation()`` returns
    it, ``environ`` for ``os.environ``, ``platform`` for ``sys.platform``, and ``x_probe``, which
    takes a ``DISPLAY`` value and returns (an X server answers, its screen size or None).
    """
    if build_info is None:  # this process's own OpenCV
        warn_if_several_opencvs()
    backend = gui_backend(build_info)
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if backend is None:
        return DisplayCheck(
            False,
            "this OpenCV has no GUI (opencv-python-headless is "
            f"installed); for a window: {HEADLESS_TO_GUI}",
        )
    if platform == "win32":
        return DisplayCheck(True, screen=_windows_screen())
    if platform == "darwin":
        return DisplayCheck(True)
    x_display = environ.get("DISPLAY", "")
    wayland = environ.get("WAYLAND_DISPLAY", "")
    if not x_display:
        if wayland and "QT" not in backend:  # GTK speaks Wayland; the wheels' Qt only X11
            return DisplayCheck(True)
        if wayland:
            return DisplayCheck(
                False,
                "this OpenCV's Qt window needs X11 and DISPLAY is not "
                "set (on Wayland, run it under XWayland)",
            )
        return DisplayCheck(False, "no display found (DISPLAY is not set)")
    answered, screen = (x_probe or probe_x_display)(x_display)
    if not answered:
        return DisplayCheck(False, f"no X server answers at DISPLAY={x_display}")
    return DisplayCheck(True, screen=screen)


def display_available() -> bool:
    """A window can be shown: a GUI build of OpenCV and a screen to show it on. When one can,
    Qt's environment is prepared for it (:func:`prepare_gui`), so windows made by other modules
    with ``cv2.imshow`` stay quiet too."""
    if check_display().ok:
        prepare_gui()
        return True
    return False


def why_no_display() -> str:
    """Why no window can be shown (empty when one can)."""
    return check_display().reason


def prepare_gui(environ: MutableMapping[str, str] | None = None) -> None:
    """Keep Qt's warnings off the terminal: must run before the first window (Qt reads its
    logging rules once, when it starts). Changes the environment only, never stderr."""
    environ = os.environ if environ is None else environ
    environ.setdefault("QT_LOGGING_RULES", QT_LOGGING_RULES)


def probe_x_display(display: str) -> tuple[bool, tuple[int, int] | None]:
    """Whether an X server answers at ``display``, and its default screen's size.

    Opens a plain Xlib connection (no window: a failure is a NULL pointer, never an abort);
    without libX11, tries the server's socket and leaves the size unknown.
    """
    try:
        xlib = ctypes.CDLL("libX11.so.6")
    except OSError:
        return _x_socket_answers(display), None
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XDefaultScreen.argtypes = [ctypes.c_void_p]
    xlib.XDisplayWidth.argtypes = xlib.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    connection = xlib.XOpenDisplay(display.encode())
    if not connection:
        return False, None
    try:
        screen = xlib.XDefaultScreen(connection)
        size = (
            int(xlib.XDisplayWidth(connection, screen)),
            int(xlib.XDisplayHeight(connection, screen)),
        )
    finally:
        xlib.XCloseDisplay(connection)
    return True, size if min(size) > 0 else None


def _x_socket_answers(display: str, timeout: float = 2.0) -> bool:
    """Whether something listens where ``DISPLAY`` points (``:N`` a local socket, ``host:N`` TCP
    port 6000 + N); a guess, used only where libX11 cannot be loaded."""
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdigit():
        return False
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        for address in ("\0" + path, path):  # Linux's abstract socket, then the file
            with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(timeout)
                sock.connect(address)
                return True
        return False
    with (
        contextlib.suppress(OSError),
        socket.create_connection((host, 6000 + int(number)), timeout),
    ):
        return True
    return False


def _windows_screen() -> tuple[int, int] | None:
    with contextlib.suppress(AttributeError, OSError):
        user32 = ctypes.windll.user32  # type: ignore[attr-defined]
        return int(user32.GetSystemMetrics(0)), int(user32.GetSystemMetrics(1))
    return None


def fit_to_screen(size: tuple[int, int], screen: tuple[int, int] | None) -> tuple[int, int]:
    """A window size for a frame of ``size`` (width, height): the frame's own, or smaller, with
    its shape kept, when it would not fit the screen (a margin left for title bar and panels)."""
    width, height = size
    screen_w, screen_h = screen or FALLBACK_SCREEN
    scale = min(1.0, 0.9 * screen_w / width, 0.85 * screen_h / height)
    return max(1, int(width * scale)), max(1, int(height * scale))


class Window:
    """Shows frames; ``show`` returns False when the user asked to quit (q, Esc, or closing
    the window).

    Make one only where :func:`display_available` said yes.
    """

    def __init__(
        self, snapshot_dir: Path = Path("."), screen: tuple[int, int] | None = None
    ) -> None:
        self.snapshot_dir = snapshot_dir
        self.snapshots: list[Path] = []
        self.screen = screen or check_display().screen
        self._size: tuple[int, int] | None = None
        prepare_gui()
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        with contextlib.suppress(cv2.error):  # not every backend can retitle a window
            cv2.setWindowTitle(WINDOW, TITLE)

    def show(self, image: np.ndarray) -> bool:
        size = (image.shape[1], image.shape[0])
        if size != self._size:  # the first frame, or a new file of another size
            self._size = size
            cv2.resizeWindow(WINDOW, *fit_to_screen(size, self.screen))
        cv2.imshow(WINDOW, image)
        key = cv2.waitKey(1) & 0xFF
        paused = key == ord(" ")
        while True:
            if key in (ord("q"), 27) or self._closed():  # q, Esc, or the window closed
                return False
            if key == ord("s"):
                self._snapshot(image)
            if not paused:
                return True
            key = cv2.waitKey(50) & 0xFF  # paused: space goes on, q quits, s saves
            if key == ord(" "):
                return True

    def _closed(self) -> bool:
        """The user closed the window (its close button): take it as q."""
        try:
            return cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def _snapshot(self, image: np.ndarray) -> None:
        path = self.snapshot_dir / time.strftime("camdigit-%Y%m%d-%H%M%S.png")
        n = 1
        while path.exists():
            path = path.with_name(f"{path.stem.split('_')[0]}_{n}.png")
            n += 1
        cv2.imwrite(str(path), image)
        self.snapshots.append(path)
        log.info("saved snapshot %s", path)

    def close(self) -> None:
        with contextlib.suppress(cv2.error):  # already closed by the user
            cv2.destroyWindow(WINDOW)
        cv2.waitKey(1)
