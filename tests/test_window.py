"""The live window: decided before any window is made, and, under Xvfb, shown for real.

The real test needs Xvfb, xdotool and ImageMagick's ``import`` (Debian: ``apt-get install xvfb
xdotool imagemagick``) and the GUI build of OpenCV; it is skipped without them, unless
CAMDIGIT_REQUIRE_DISPLAY=1 (CI), where their absence fails it.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from camdigit.commands.demo import SAMPLE_VIDEO
from camdigit.io import display
from camdigit.io.display import (
    QT_LOGGING_RULES,
    check_display,
    fit_to_screen,
    gui_backend,
    prepare_gui,
)
from camdigit.io.drawing import Style
from tests.conftest import REPO

QT_INFO = "  GUI:                           QT5\n    QT:              YES (ver 5.15.19 )\n"
GTK_INFO = "  GUI:                           GTK3\n    GTK+:                        YES\n"
HEADLESS_INFO = "  GUI:                           NONE\n    GTK+:                        NO\n"


def never(display: str):
    raise AssertionError(f"no X server should be asked about {display}")


def test_a_headless_opencv_means_no_window_whatever_the_display():
    for platform in ("linux", "win32", "darwin"):
        check = check_display(HEADLESS_INFO, {"DISPLAY": ":0"}, platform, x_probe=never)
        assert not check.ok
        assert "opencv-python-headless" in check.reason
        assert "pip uninstall -y opencv-python-headless opencv-python" in check.reason
    assert gui_backend(HEADLESS_INFO) is None and gui_backend("no GUI line at all") is None


def test_without_a_display_there_is_no_window():
    check = check_display(QT_INFO, {}, "linux", x_probe=never)
    assert not check.ok and "DISPLAY is not set" in check.reason


def test_a_display_variable_with_no_server_behind_it_means_no_window():
    # The case that aborted the process (Qt, exit 134): DISPLAY set, no X server.
    check = check_display(QT_INFO, {"DISPLAY": ":99"}, "linux", x_probe=lambda d: (False, None))
    assert not check.ok and "no X server answers at DISPLAY=:99" in check.reason


def test_a_running_x_server_means_a_window_and_its_screen_size():
    asked = []

    def probe(display: str):
        asked.append(display)
        return True, (1920, 1080)

    check = check_display(QT_INFO, {"DISPLAY": ":1"}, "linux", x_probe=probe)
    assert check.ok and check.screen == (1920, 1080) and asked == [":1"]


def test_wayland_alone_suits_gtk_but_not_the_wheels_qt():
    assert check_display(GTK_INFO, {"WAYLAND_DISPLAY": "wayland-0"}, "linux", never).ok
    qt = check_display(QT_INFO, {"WAYLAND_DISPLAY": "wayland-0"}, "linux", never)
    assert not qt.ok and "XWayland" in qt.reason


def test_desktops_without_x11_need_only_a_gui_build():
    assert check_display(QT_INFO, {}, "darwin", never).ok
    assert check_display("  GUI:  WIN32UI\n", {}, "win32", never).ok


def test_camdigit_depends_on_the_gui_build_of_opencv():
    """opencv-python (the GUI build), so a desktop gets a window; only one OpenCV (both fill
    the same cv2 folder). A server may swap it for -headless after installing (README)."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    opencv = [d for d in project["project"]["dependencies"] if d.startswith("opencv")]
    assert len(opencv) == 1 and opencv[0].startswith("opencv-python>="), opencv


def test_the_window_takes_the_frame_size_unless_it_would_not_fit():
    assert fit_to_screen((640, 480), (1920, 1080)) == (640, 480)
    assert fit_to_screen((640, 480), None) == (640, 480)  # an unknown screen: 1280x800 assumed
    width, height = fit_to_screen((1920, 1080), (1366, 768))
    assert width <= 0.9 * 1366 and height <= 0.85 * 768
    assert abs(width / height - 1920 / 1080) < 0.01


def test_qt_warnings_are_turned_off_through_its_logging_rules_unless_the_user_set_them():
    environ: dict[str, str] = {}
    prepare_gui(environ)
    assert environ == {"QT_LOGGING_RULES": QT_LOGGING_RULES}
    mine = {"QT_LOGGING_RULES": "qt.qpa.*=true"}
    prepare_gui(mine)
    assert mine == {"QT_LOGGING_RULES": "qt.qpa.*=true"}


def test_two_opencv_packages_are_reported_once_with_the_fix(caplog, monkeypatch):
    monkeypatch.setattr(display, "_warned_twice", False)
    assert not display.warn_if_several_opencvs(["opencv-python"])
    both = ["opencv-python", "opencv-python-headless"]
    assert display.warn_if_several_opencvs(both) and display.warn_if_several_opencvs(both)
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [
        "opencv-python and opencv-python-headless are installed together and share "
        "one cv2 folder: keep one, e.g. pip uninstall -y opencv-python "
        "opencv-python-headless && pip install opencv-python"
    ]
    assert display.opencv_packages() == ["opencv-python"]  # this environment: one, the GUI one


# -- the real window, under Xvfb --------------------------------------------------------------

TOOLS = {"Xvfb": "xvfb", "xdotool": "xdotool", "import": "imagemagick"}


def need_display_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    problem = None
    if missing:
        packages = " ".join(sorted({TOOLS[tool] for tool in missing}))
        problem = f"{', '.join(missing)} not found (apt-get install {packages})"
    elif gui_backend() is None:
        problem = "OpenCV has no GUI here (opencv-python-headless is installed)"
    if problem is None:
        return
    if os.environ.get("CAMDIGIT_REQUIRE_DISPLAY") == "1":
        pytest.fail(f"the window test must run (CAMDIGIT_REQUIRE_DISPLAY=1): {problem}")
    pytest.skip(f"window test: {problem}")


def start_xvfb(size: str = "1280x1024x24") -> tuple[subprocess.Popen, str]:
    """A private X server on a free display number (Xvfb chooses it and says which)."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    said = b""
    deadline = time.monotonic() + 20
    try:  # Xvfb writes the number, then a newline: closing before the newline kills it
        while not said.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([read], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(read, 64) if ready else b""
            if not chunk:
                break
            said += chunk
    finally:
        os.close(read)
    number = said.decode().strip()
    if not number.isdigit():
        server.kill()
        server.wait()
        pytest.fail("Xvfb did not start within 20 s")
    return server, f":{number}"


def x_command(display: str, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(args),
        env=dict(os.environ, DISPLAY=display),
        capture_output=True,
        timeout=timeout,
        check=True,
    )


def screenshot(display: str, window: str) -> np.ndarray:
    png = x_command(display, "import", "-window", window, "png:-").stdout
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "import gave no image"
    return image


def colour_pixels(image: np.ndarray, bgr: tuple[int, int, int], tolerance: int = 30) -> int:
    distance = np.abs(image.astype(np.int16) - np.array(bgr, np.int16)).max(axis=2)
    return int((distance <= tolerance).sum())


@pytest.mark.slow
def test_run_show_opens_the_annotated_window_and_q_quits_cleanly(tmp_path):
    """``camdigit run <sample video> --show`` under Xvfb: the window appears at the frame's size
    with no Qt noise on stderr; space pauses it; its screenshot is the annotated frame (the
    box colours drawn, and equal to the snapshot ``s`` saves); q ends the run with status 0.

    The SOURCE is a folder holding the sample video six times, so the run lasts long enough for
    the test to find the window and pause it on any machine."""
    need_display_tools()
    videos = tmp_path / "videos"
    videos.mkdir()
    for n in range(6):
        (videos / f"sample{n}.mp4").symlink_to(SAMPLE_VIDEO)
    server, display = start_xvfb()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_")}
    env.update(DISPLAY=display, TF_CPP_MIN_LOG_LEVEL="3")
    run = subprocess.Popen(
        [sys.executable, "-m", "camdigit", "run", str(videos), "--show"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        found = x_command(
            display, "xdotool", "search", "--sync", "--onlyvisible", "--name", "^camdigit"
        )
        window = found.stdout.split()[0].decode()
        x_command(display, "xdotool", "key", "--window", window, "space")  # pause
        time.sleep(0.5)
        shown = screenshot(display, window)
        if not shown.any():
            # Qt's xcb plugin, with no window manager (bare Xvfb), now and then misses the
            # window's MapNotify and never paints (about 1 start in 4 here; a desktop's window
            # manager maps windows itself). Mapping it again makes Qt paint what it holds: a
            # window camdigit never drew on would stay black and fail below.
            x_command(display, "xdotool", "windowunmap", "--sync", window)
            x_command(display, "xdotool", "windowmap", "--sync", window)
            time.sleep(0.5)
            shown = screenshot(display, window)
        time.sleep(0.3)
        assert np.array_equal(screenshot(display, window), shown), "space did not pause"
        title = x_command(display, "xdotool", "getwindowname", window).stdout.decode()
        assert "q quits, space pauses, s saves" in title

        capture = cv2.VideoCapture(str(SAMPLE_VIDEO))
        ok, raw = capture.read()
        capture.release()
        assert ok
        assert shown.shape == raw.shape == (480, 640, 3)  # the frame's size: it fits 1280x1024
        style = Style()
        for colour in (style.digit_colour, style.number_colour):
            assert colour_pixels(shown, colour) > 200, f"no boxes drawn in {colour}"
            assert colour_pixels(raw, colour) < 20  # ...where the camera saw none

        x_command(display, "xdotool", "key", "--window", window, "s")  # snapshot, still paused
        deadline = time.monotonic() + 10  # OpenCV keeps one key: q only once s is handled
        while not list(tmp_path.glob("camdigit-*.png")) and time.monotonic() < deadline:
            time.sleep(0.1)
        x_command(display, "xdotool", "key", "--window", window, "q")
        out, err = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
        server.terminate()
        server.wait(10)
    assert run.returncode == 0, err[-2000:]
    assert "Traceback" not in err
    assert "Qt" not in err and "QFont" not in err, err[-2000:]  # Qt's warnings stay off
    snapshots = list(tmp_path.glob("camdigit-*.png"))
    assert len(snapshots) == 1, "s saved no snapshot"
    saved = cv2.imread(str(snapshots[0]))
    # what the window showed is the annotated frame camdigit drew (and s saved)
    assert np.abs(saved.astype(int) - shown.astype(int)).mean() < 2.0
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("camdigit: ") and snapshots[0].name in summary
