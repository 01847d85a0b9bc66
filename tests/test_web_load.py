"""``camdigit serve`` under load, on waitress: uploads and MJPEG viewers at once, the viewer cap.

The load test starts the real command in a subprocess on 127.0.0.1 and a free port, with the
bundled sample video as the live source, and for :data:`SECONDS` runs :data:`UPLOADERS` clients
posting the sample photo one after another and :data:`VIEWERS` MJPEG viewers; it checks that
every answer is right, that the viewers get frames all along, that one viewer past the cap gets
a 503 and that a viewer who leaves frees its place, and that the server's memory stays bounded.
Every request goes to 127.0.0.1 only, and every loop ends by the clock.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import cv2
import numpy as np
import pytest

pytest.importorskip("flask", reason="the web app needs Flask: pip install 'camdigit[web]'")

from camdigit.commands.demo import SAMPLE_PHOTO, SAMPLE_VIDEO  # noqa: E402
from camdigit.core.classifier import DigitClassifier  # noqa: E402
from camdigit.core.pipeline import Recognizer  # noqa: E402
from camdigit.web import LiveFeed  # noqa: E402
from camdigit.web.app import create_app  # noqa: E402
from camdigit.web.live_routes import MjpegStream, ViewerSlots  # noqa: E402

from .conftest import REPO  # noqa: E402
from .test_web_browser import artifacts, browser  # noqa: E402, F401 (fixtures)

SECONDS = 30.0
UPLOADERS = 20
VIEWERS = 5
RSS_LIMIT_MB = 400
RSS_GROWTH_MB = 40  # from the first third of the run (warmed up) to its end
BOUNDARY = "camdigit-load-test"


# -- the cap, without a server ----------------------------------------------------------------


class FakeFeed:
    """Frames forever, as fast as asked: enough for the MJPEG generator."""

    name = "fake"
    running = True

    def __init__(self) -> None:
        self.seq = 0

    def wait_next(self, after: int, timeout: float):
        from camdigit.web.live import Published

        self.seq = after + 1
        return Published(self.seq, b"\xff\xd8jpeg\xff\xd9", {})

    def latest(self):
        return None


def test_viewer_slots_are_taken_and_given_back_once():
    slots = ViewerSlots(2)
    first, second = MjpegStream(FakeFeed(), slots), MjpegStream(FakeFeed(), slots)
    assert slots.take() and slots.take() and not slots.take()
    assert next(first).startswith(b"--frame\r\nContent-Type: image/jpeg")
    first.close()
    first.close()  # a second close gives back nothing more
    assert slots.used == 1
    second.close()  # never iterated: the place is given back all the same
    assert slots.used == 0


@pytest.fixture(scope="module")
def capped_client():
    feed = LiveFeed(str(SAMPLE_VIDEO), Recognizer(DigitClassifier()), pace=False)
    app = create_app(Recognizer(DigitClassifier()), live=feed, max_viewers=2)
    feed.start()
    try:
        yield app.test_client()
    finally:
        feed.stop()


def test_one_viewer_past_the_cap_gets_a_503_with_a_message(capped_client):
    streams = [capped_client.get("/live.mjpg", buffered=False) for _ in range(2)]
    assert [s.status_code for s in streams] == [200, 200]
    assert capped_client.get("/api/latest").get_json()["viewers"] == 2
    refused = capped_client.get("/live.mjpg")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"]
    assert refused.get_json()["error"].startswith(
        "too many viewers: this server streams the live view to at most 2 at once"
    )
    streams[0].close()  # the client leaves: the server closes the body
    latest = capped_client.get("/api/latest").get_json()
    assert (latest["viewers"], latest["max_viewers"]) == (1, 2)
    again = capped_client.get("/live.mjpg", buffered=False)
    assert again.status_code == 200
    again.close()
    streams[1].close()
    assert capped_client.get("/api/latest").get_json()["viewers"] == 0


def test_max_viewers_is_an_option_with_a_checked_range(monkeypatch):
    import argparse

    from camdigit.errors import CamdigitError, UsageError
    from camdigit.web import add_serve_command, serve_command
    from camdigit.web.live import MAX_VIEWERS
    from camdigit.web.serve import REQUEST_THREADS, WAITRESS_MISSING

    parser = argparse.ArgumentParser(prog="camdigit")
    add_serve_command(parser.add_subparsers(dest="command"))
    assert parser.parse_args(["serve"]).max_viewers == MAX_VIEWERS == 8
    assert parser.parse_args(["serve", "--max-viewers", "3"]).max_viewers == 3
    assert REQUEST_THREADS >= 2
    with pytest.raises(UsageError, match="--max-viewers must be between 1 and 64, got 0"):
        serve_command(parser.parse_args(["serve", "--max-viewers", "0"]))
    monkeypatch.setitem(sys.modules, "waitress.server", None)  # import waitress: ImportError
    with pytest.raises(CamdigitError) as raised:
        serve_command(parser.parse_args(["serve"]))
    assert (
        str(raised.value)
        == WAITRESS_MISSING
        == "camdigit serve needs waitress: pip install 'camdigit[web]'"
    )


# -- the load test -----------------------------------------------------------------------------


def multipart(photo: bytes) -> bytes:
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; '
            f'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + photo
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def get_json(port: int, path: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    uploads: int = 0
    errors: list[str] = field(default_factory=list)
    frames: dict[int, int] = field(default_factory=dict)
    gaps: dict[int, float] = field(default_factory=dict)  # longest wait for a frame, per viewer
    bad_frames: int = 0

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def uploader(port: int, body: bytes, expected: list[str], until: float, tally: Tally) -> None:
    while time.monotonic() < until:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request(
                "POST",
                "/api/detect",
                body=body,
                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            )
            answer = connection.getresponse()
            data = answer.read()
            if answer.status != 200:
                tally.error(f"upload: HTTP {answer.status}: {data[:200]!r}")
                continue
            numbers = [n["text"] for n in json.loads(data)["numbers"]]
            if numbers != expected:
                tally.error(f"upload: read {numbers}, expected {expected}")
                continue
            with tally.lock:
                tally.uploads += 1
        except (OSError, http.client.HTTPException, ValueError) as exc:
            tally.error(f"upload: {type(exc).__name__}: {exc}")
        finally:
            connection.close()


def viewer(number: int, port: int, size: tuple[int, int], until: float, tally: Tally) -> None:
    """Reads the MJPEG stream part by part until ``until``, then hangs up."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    frames, longest, last = 0, 0.0, time.monotonic()
    try:
        connection.request("GET", "/live.mjpg")
        answer = connection.getresponse()
        if answer.status != 200:
            tally.error(f"viewer {number}: HTTP {answer.status}: {answer.read()[:200]!r}")
            return
        while time.monotonic() < until:
            boundary = answer.readline()
            if not boundary:
                tally.error(f"viewer {number}: the stream ended after {frames} frames")
                return
            if boundary.strip() != b"--frame":
                tally.error(f"viewer {number}: not a boundary: {boundary[:80]!r}")
                return
            headers = {}
            while line := answer.readline().strip():
                name, _, value = line.decode().partition(":")
                headers[name.lower()] = value.strip()
            jpeg = answer.read(int(headers["content-length"]))
            answer.read(2)  # the CRLF after the part
            now = time.monotonic()
            longest, last = max(longest, now - last), now
            frames += 1
            if frames % 25 == 1:  # decode some: whole JPEGs, not only bytes
                image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
                if image is None or image.shape[:2] != size:
                    with tally.lock:
                        tally.bad_frames += 1
    except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
        tally.error(f"viewer {number}: {type(exc).__name__}: {exc}")
    finally:
        connection.close()
        with tally.lock:
            tally.frames[number] = frames
            tally.gaps[number] = longest


def start_server(max_viewers: int) -> tuple[subprocess.Popen, int]:
    """``camdigit serve SAMPLE_VIDEO`` on 127.0.0.1 and a free port, once it has a live frame."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="3")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "camdigit.web",
            str(SAMPLE_VIDEO),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--max-viewers",
            str(max_viewers),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        found = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", line)
        assert found, line + (server.stderr.read() if server.poll() is not None else "")
        port = int(found.group(1))
        deadline = time.monotonic() + 30
        while get_json(port, "/api/latest")[0] != 200:  # the first live frame
            assert time.monotonic() < deadline, "no live frame within 30 s"
            time.sleep(0.1)
    except BaseException:
        stop_server(server)
        raise
    return server, port


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.kill()
        server.wait()


@pytest.mark.slow
def test_uploads_and_viewers_at_once_without_errors_and_in_bounded_memory():
    server, port = start_server(VIEWERS)
    try:
        photo = SAMPLE_PHOTO.read_bytes()
        latest = get_json(port, "/api/latest")[1]
        size = (latest["height"], latest["width"])  # of every MJPEG frame
        # what one upload reads: every later one must read the same
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "POST", "/api/detect", body=photo, headers={"Content-Type": "image/jpeg"}
        )
        expected = [n["text"] for n in json.loads(connection.getresponse().read())["numbers"]]
        connection.close()
        assert len(expected) >= 5

        tally = Tally()
        started = time.monotonic()
        until = started + SECONDS
        body = multipart(photo)
        threads = [
            threading.Thread(target=viewer, args=(n, port, size, until, tally))
            for n in range(VIEWERS)
        ]
        threads += [
            threading.Thread(target=uploader, args=(port, body, expected, until, tally))
            for _ in range(UPLOADERS)
        ]
        for thread in threads:
            thread.start()
        samples: list[tuple[float, float]] = []
        refused: tuple[int, dict] | None = None
        while time.monotonic() < until:
            samples.append((time.monotonic() - started, rss_mb(server.pid)))
            if refused is None and time.monotonic() > started + 5:
                refused = get_json(port, "/live.mjpg")  # one viewer past the cap
            time.sleep(1.0)
        for thread in threads:
            thread.join(60)
        assert not any(thread.is_alive() for thread in threads)
        after = rss_mb(server.pid)  # the viewers' threads took uploads at the end: more at once

        # every request answered right
        assert not tally.errors, f"{len(tally.errors)} errors, first: {tally.errors[:5]}"
        assert tally.uploads >= UPLOADERS, tally.uploads
        # every viewer got frames all along (the video plays at 15 FPS)
        assert sorted(tally.frames) == list(range(VIEWERS))
        assert min(tally.frames.values()) >= SECONDS, tally.frames
        assert max(tally.gaps.values()) < 5.0, tally.gaps
        assert tally.bad_frames == 0
        # the sixth viewer was refused, with a message
        assert refused is not None and refused[0] == 503
        assert "too many viewers" in refused[1]["error"]
        # the viewers hung up: their places come back
        deadline = time.monotonic() + 10
        while (latest := get_json(port, "/api/latest")[1])["viewers"] != 0:
            assert time.monotonic() < deadline, f"viewers still counted: {latest['viewers']}"
            time.sleep(0.2)
        # memory bounded, and not growing steadily under the same load
        peak = max([after] + [rss for _, rss in samples])
        warm = [rss for t, rss in samples if SECONDS / 3 <= t < SECONDS / 2]
        end = [rss for t, rss in samples if t >= SECONDS * 5 / 6]
        print(
            f"\n{tally.uploads} uploads, frames per viewer {sorted(tally.frames.values())}, "
            f"RSS MB: peak {peak:.0f}, each second {[round(rss) for _, rss in samples]}, "
            f"after {after:.0f}"
        )
        assert peak < RSS_LIMIT_MB
        assert max(end) - min(warm) < RSS_GROWTH_MB, samples

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
        err = server.stderr.read()
        assert "Traceback" not in err and "ERROR" not in err, err
    finally:
        stop_server(server)


@pytest.mark.slow
def test_the_live_page_says_when_the_viewer_cap_refused_its_stream(browser, artifacts):  # noqa: F811
    from selenium.webdriver.common.by import By

    from .test_web_browser import wait

    server, port = start_server(1)
    holder = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        holder.request("GET", "/live.mjpg")  # takes the only place
        held = holder.getresponse()  # kept: the place is held while this is open
        assert held.status == 200
        browser.get(f"http://127.0.0.1:{port}/live")
        error = browser.find_element(By.ID, "live-error")
        wait(browser, lambda d: "Too many viewers" in error.text)
        assert "at most 1 at once" in error.text
        assert browser.find_element(By.ID, "live-frame").text != "–"  # the readout goes on
        browser.save_screenshot(str(artifacts / "web-live-viewer-cap.png"))
        held.close()  # the place frees up: the page's next try gets the stream
        holder.close()
        stream = browser.find_element(By.ID, "stream")
        wait(browser, lambda d: d.execute_script("return arguments[0].naturalWidth", stream))
        wait(browser, lambda d: error.get_attribute("hidden") is not None)
    finally:
        holder.close()
        stop_server(server)
