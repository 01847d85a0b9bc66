"""``camdigit serve``: the web app through Flask's test client, the live feed, the command."""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib
from collections import Counter

import cv2
import numpy as np
import pytest

pytest.importorskip("flask", reason="the web app needs Flask: pip install 'camdigit[web]'")

from camdigit.cli import main  # noqa: E402
from camdigit.commands.demo import SAMPLE_PHOTO, SAMPLE_VIDEO, written_numbers  # noqa: E402
from camdigit.core.classifier import DigitClassifier  # noqa: E402
from camdigit.core.pipeline import Recognizer  # noqa: E402
from camdigit.core.tracking import DigitTracker  # noqa: E402
from camdigit.errors import CamdigitError, UsageError  # noqa: E402
from camdigit.io.sources import FrameSource, SourceError, open_source  # noqa: E402
from camdigit.web import FLASK_MISSING, LiveFeed, add_serve_command, serve_command  # noqa: E402
from camdigit.web.app import create_app  # noqa: E402
from camdigit.web.live_routes import mjpeg  # noqa: E402
from camdigit.web.serve import main as web_main  # noqa: E402

from .conftest import REPO  # noqa: E402

RECORD_KEYS = {"source", "frame", "time", "detections", "numbers"}
MB = 1024 * 1024


@pytest.fixture(scope="module")
def classifier() -> DigitClassifier:
    return DigitClassifier()


@pytest.fixture(scope="module")
def client(classifier):
    app = create_app(Recognizer(classifier))
    app.testing = True
    return app.test_client()


@pytest.fixture(scope="module")
def photo() -> bytes:
    return SAMPLE_PHOTO.read_bytes()


def png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def pad_drawing(digit28: np.ndarray) -> np.ndarray:
    """An MNIST digit (ink bright) as the draw pad sends it: dark strokes on a white 280 px."""
    return cv2.resize(255 - digit28, (280, 280), interpolation=cv2.INTER_LINEAR)


def post_files(client, files: list[tuple[bytes, str]], url: str = "/api/detect", field="image"):
    data = {field: [(io.BytesIO(content), name) for content, name in files]}
    return client.post(url, data=data, content_type="multipart/form-data")


def read_share(read: list[str], written: list[str]) -> float:
    return sum((Counter(read) & Counter(written)).values()) / len(written)


# -- the upload page and /api/detect ------------------------------------------------------------


def test_upload_page_has_a_labelled_file_input_and_the_pad(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<input id="image-input" type="file" name="image" multiple' in html
    assert '<label class="drop" id="drop" for="image-input">' in html
    assert '<canvas id="pad"' in html and 'aria-label="Drawing pad' in html
    assert "Up to 10 photos, 15 MB each and 40 MB in all" in html
    assert "https://" not in html and "http://" not in html.replace("http://HOST:PORT", "")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    for asset in ("style.css", "upload.js", "pad.js"):
        assert client.get(f"/static/{asset}").status_code == 200


def test_api_detect_answers_the_run_json_line(client, photo, capsys):
    answer = post_files(client, [(photo, "demo_photo.jpg")])
    assert answer.status_code == 200, answer.get_data(as_text=True)
    record = answer.get_json()
    assert set(record) == RECORD_KEYS | {"width", "height"}
    assert (record["source"], record["frame"], record["time"]) == ("upload", 0, 0.0)
    assert (record["width"], record["height"]) == (960, 720)
    assert all(d["track"] is None for d in record["detections"])
    # Exactly what `camdigit run PHOTO --json -` writes, but for the source's name.
    assert main(["run", str(SAMPLE_PHOTO), "--json", "-", "--no-show", "--quiet"]) == 0
    line = json.loads(capsys.readouterr().out.splitlines()[0])
    assert line["detections"] == record["detections"]
    assert line["numbers"] == record["numbers"]
    written = written_numbers()["demo_photo.jpg"]
    assert read_share([n["text"] for n in record["numbers"]], written) >= 0.75


def test_api_detect_takes_the_raw_body_too(client, photo):
    multipart = post_files(client, [(photo, "a.jpg")]).get_json()
    raw = client.post("/api/detect", data=photo, content_type="image/jpeg")
    assert raw.status_code == 200
    assert raw.get_json() == multipart


def test_the_client_file_name_is_never_used(client, photo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "../../../../tmp/../etc/camdigit-evil.jpg"
    answer = post_files(client, [(photo, name)])
    assert answer.status_code == 200
    assert answer.get_json()["source"] == "upload"
    assert "evil" not in answer.get_data(as_text=True)
    assert list(tmp_path.iterdir()) == []


def test_uploads_stay_in_memory(client, photo, monkeypatch):
    """Werkzeug spools uploads over 500 KB to temporary files; this app keeps them in memory."""

    def no_files(*args, **kwargs):
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", no_files)
    monkeypatch.setattr(tempfile, "TemporaryFile", no_files)
    big = cv2.resize(
        cv2.imdecode(np.frombuffer(photo, np.uint8), cv2.IMREAD_COLOR), None, fx=1.5, fy=1.5
    )
    data = png(big)
    assert len(data) > 1 * MB
    answer = post_files(client, [(data, "big.png")])
    assert answer.status_code == 200, answer.get_data(as_text=True)


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def _bad_uploads(photo: bytes) -> dict[str, bytes]:
    pixel = png(np.full((8, 8), 255, np.uint8))
    return {
        "empty": b"",
        "text": b"hello, this is not an image\n" * 10,
        "html": b"<html><script>alert(1)</script></html>",
        "truncated jpeg": photo[: len(photo) // 2],
        "jpeg header only": photo[:600],
        "png signature only": pixel[:8],
        "damaged png": pixel[:40] + b"\x00" * 40,
        "bmp junk": b"BM" + os.urandom(60),
        "webp junk": b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 20,
        "decompression bomb": _png_header_only(100_000, 100_000) + b"\x00" * 100,
        "tiff": b"II*\x00" + b"\x00" * 100,
    }


@pytest.mark.parametrize("kind", list(_bad_uploads(b"\xff\xd8\xff" * 400)))
def test_bad_uploads_are_400_with_a_message(client, photo, kind):
    data = _bad_uploads(photo)[kind]
    for answer in (
        post_files(client, [(data, "x.jpg")]),
        client.post("/api/detect", data=data, content_type="application/octet-stream"),
        post_files(client, [(data, "x.png")], url="/api/digit"),
    ):
        assert answer.status_code == 400, (kind, answer.get_data(as_text=True))
        message = answer.get_json()["error"]
        assert message and "\n" not in message
    assert "too large" in _detect_error(client, _bad_uploads(photo)["decompression bomb"])
    assert "not an image" in _detect_error(client, b"hello")
    assert "truncated JPEG" in _detect_error(client, photo[: len(photo) // 2])


def _detect_error(client, data: bytes) -> str:
    return client.post("/api/detect", data=data).get_json()["error"]


def test_damaged_photos_never_give_a_500(client, photo):
    rng = np.random.default_rng(3)
    for _ in range(40):
        data = bytearray(photo)
        cut = int(rng.integers(3, len(data)))
        if rng.random() < 0.5:
            del data[cut:]
            data += b"\xff\xd9"  # claims to be whole
        else:
            for at in rng.integers(2, len(data), 20):
                data[at] = int(rng.integers(0, 256))
        answer = client.post("/api/detect", data=bytes(data))
        assert answer.status_code in (200, 400), answer.get_data(as_text=True)


def test_odd_but_valid_images_are_read(client, mnist_1000):
    images, _ = mnist_1000
    page = np.full((120, 200), 255, np.uint8)
    page[40:68, 40:68] = 255 - images[0]
    cases = {
        "gray png": png(page),
        "16-bit png": png(page.astype(np.uint16) * 257),
        "bgra png": png(cv2.cvtColor(page, cv2.COLOR_GRAY2BGRA)),
        "bmp": cv2.imencode(".bmp", page)[1].tobytes(),
        "webp": cv2.imencode(".webp", page, [cv2.IMWRITE_WEBP_QUALITY, 101])[1].tobytes(),
        "one pixel": png(np.zeros((1, 1, 3), np.uint8)),
    }
    for kind, data in cases.items():
        answer = client.post("/api/detect", data=data)
        assert answer.status_code == 200, (kind, answer.get_data(as_text=True))
        assert set(answer.get_json()) >= RECORD_KEYS


def test_no_image_in_the_request_is_400(client, photo):
    answer = post_files(client, [(photo, "a.jpg")], field="picture")
    assert answer.status_code == 400
    assert "no image" in answer.get_json()["error"]
    page = client.post("/", data={}, content_type="multipart/form-data")
    assert page.status_code == 400 and "no photo chosen" in page.get_data(as_text=True)


def test_oversized_uploads_are_413(client):
    huge = b"\xff\xd8\xff" + b"\x00" * (40 * MB)
    for answer in (
        client.post("/api/detect", data=huge, content_type="image/jpeg"),
        post_files(client, [(huge, "huge.jpg")]),
        post_files(client, [(huge, "huge.jpg")], url="/api/digit"),
    ):
        assert answer.status_code == 413
        assert answer.get_json() == {"error": "upload too large: at most 40 MB per request"}
    page = post_files(client, [(huge, "huge.jpg")], url="/")
    assert page.status_code == 413
    html = page.get_data(as_text=True)
    assert 'role="alert">upload too large: at most 40 MB per request</p>' in html


def test_two_phone_photos_fit_and_one_photo_over_the_per_photo_limit_is_named(client, classifier):
    from camdigit.web.app import MAX_PHOTO_MB, MAX_REQUEST_MB

    phone = 8  # MB: a 12-megapixel phone JPEG
    assert phone <= MAX_PHOTO_MB and 2 * phone <= MAX_REQUEST_MB
    # the same limits at a small scale: two photos under the per-photo limit pass, one over it
    # is refused by name
    small = create_app(Recognizer(classifier), max_upload_mb=3, max_file_mb=1).test_client()
    ok, photo = cv2.imencode(
        ".png", np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    )
    assert ok and 0.5 * MB < len(photo) < MB
    two = post_files(small, [(photo.tobytes(), "a.png"), (photo.tobytes(), "b.png")], url="/")
    assert two.status_code == 200, two.get_data(as_text=True)[-500:]
    big = photo.tobytes() + b"\x00" * MB
    refused = post_files(small, [(big, "big.png")], url="/api/detect")
    assert refused.status_code == 400
    assert refused.get_json()["error"].startswith("big.png is 1.")
    assert "at most 1 MB per photo" in refused.get_json()["error"]


def test_too_many_files_are_refused(client, mnist_1000):
    images, _ = mnist_1000
    small = [(png(pad_drawing(images[i])), f"d{i}.png") for i in range(11)]
    answer = post_files(client, small)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "too many files: 11 (at most 10 per request)"
    two = post_files(client, small[:2])
    assert two.status_code == 400 and "one per request" in two.get_json()["error"]
    page = post_files(client, small, url="/")
    assert page.status_code == 400
    assert "too many files: 11 (at most 10 per request)" in page.get_data(as_text=True)
    many = post_files(client, small * 4)  # past werkzeug's limit on form parts
    assert many.status_code == 400
    assert many.get_json()["error"] == "too many parts in the form (at most 10 files per request)"
    ten = post_files(client, small[:10], url="/")
    assert ten.status_code == 200
    assert ten.get_data(as_text=True).count('<article class="photo">') == 10


def test_upload_page_shows_annotated_photos_numbers_and_confidences(client, photo):
    page = post_files(client, [(photo, "demo_photo.jpg")], url="/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<img src="data:image/jpeg;base64,') == 1
    assert "Photo 1 (demo_photo.jpg)" in html
    shown = re.findall(r'<th scope="row" class="number">(\d+)</th>', html)
    assert read_share(shown, written_numbers()["demo_photo.jpg"]) >= 0.75
    assert re.search(r"<b>\d</b> \d+\.\d%", html)
    assert "numbers read: " in html  # in the image's alt text


def test_upload_page_reads_the_good_photos_and_names_the_bad(client, photo):
    name = "<img src=x onerror=alert(1)>.txt"
    page = post_files(client, [(photo, "good.jpg"), (b"not a photo", name)], url="/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert name not in html
    assert "Photo 2 (&lt;img src=x onerror=alert(1)&gt;.txt): not an image" in html
    assert html.count('<article class="photo">') == 1


# -- the draw pad: /api/digit -------------------------------------------------------------------


def test_draw_pad_reads_drawn_digits(client, mnist_1000):
    images, labels = mnist_1000
    right = 0
    for image, label in zip(images[:20], labels[:20], strict=True):
        answer = post_files(client, [(png(pad_drawing(image)), "pad.png")], url="/api/digit")
        assert answer.status_code == 200
        result = answer.get_json()
        assert set(result) == {"digit", "confidence", "probabilities"}
        probabilities = result["probabilities"]
        assert len(probabilities) == 10 and abs(sum(probabilities) - 1) < 0.02
        assert result["digit"] == int(np.argmax(probabilities))
        right += result["digit"] == label
    assert right >= 18


def test_draw_pad_takes_a_transparent_canvas(client, mnist_1000):
    images, labels = mnist_1000
    strokes = cv2.resize(images[1], (280, 280))
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = strokes  # black ink where drawn, transparent elsewhere
    answer = client.post("/api/digit", data=png(rgba), content_type="image/png")
    assert answer.status_code == 200 and answer.get_json()["digit"] == labels[1]


def test_a_blank_pad_is_400(client):
    for blank in (np.full((280, 280), 255, np.uint8), np.zeros((280, 280, 4), np.uint8)):
        answer = post_files(client, [(png(blank), "pad.png")], url="/api/digit")
        assert answer.status_code == 400
        assert answer.get_json()["error"].startswith("draw a digit first")


# -- the live page without and with a source ----------------------------------------------------


def test_without_a_source_the_live_page_says_so(client):
    latest = client.get("/api/latest")
    assert latest.status_code == 404
    assert "no live source" in latest.get_json()["error"]
    page = client.get("/live")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="no-source"' in html and "camdigit serve 0" in html
    assert "live.mjpg" not in html
    assert client.get("/live.mjpg").status_code == 404


def test_unknown_api_paths_answer_json(client):
    assert client.get("/api/nothing").get_json() == {"error": "not found"}
    answer = client.get("/api/detect")
    assert answer.status_code == 405 and "error" in answer.get_json()


def video_feed(pace: bool = True, loop: bool = True) -> LiveFeed:
    recognizer = Recognizer(DigitClassifier(), tracker=DigitTracker())
    return LiveFeed(str(SAMPLE_VIDEO), recognizer, loop=loop, pace=pace)


def wait_for(condition, timeout: float = 20.0, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s")


def test_live_api_and_mjpeg_with_a_video_source(classifier):
    feed = video_feed()
    app = create_app(Recognizer(classifier), live=feed)
    client = app.test_client()
    assert client.get("/api/latest").status_code == 503  # not started: no frame yet
    feed.start()
    try:
        first = wait_for(
            lambda: (
                client.get("/api/latest").get_json()
                if client.get("/api/latest").status_code == 200
                else None
            )
        )
        assert set(first) >= RECORD_KEYS | {"seq", "fps", "width", "height", "running"}
        assert first["source"] == str(SAMPLE_VIDEO) and first["running"] is True
        later = wait_for(
            lambda: (r := client.get("/api/latest").get_json())["seq"] > first["seq"] + 3 and r
        )
        assert later["frame"] != first["frame"]
        seen: set[str] = set()
        wait_for(
            lambda: (
                seen.update(n["text"] for n in client.get("/api/latest").get_json()["numbers"])
                or len(seen) >= 3
            )
        )
        assert seen & set(written_numbers()["demo_video.mp4"])

        html = client.get("/live").get_data(as_text=True)
        assert '<img id="stream" src="/live.mjpg"' in html and "live.js" in html
        stream = client.get("/live.mjpg", buffered=False)
        assert stream.status_code == 200
        assert stream.mimetype == "multipart/x-mixed-replace"
        parts = iter(stream.response)
        for _ in range(2):
            part = next(parts)
            head, _, jpeg = part.partition(b"\r\n\r\n")
            assert head.startswith(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ")
            assert int(head.rsplit(b" ", 1)[1]) == len(jpeg) - 2
            image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
            assert image.shape == (later["height"], later["width"], 3)
        stream.close()
    finally:
        feed.stop()
    assert not feed.running


def test_live_feed_loops_and_a_slow_client_only_skips_frames():
    feed = video_feed(pace=False)
    feed.start()
    try:
        first = feed.wait_next(0, timeout=20)
        assert first is not None
        time.sleep(1.0)  # a client that does not read: the feed goes on without it
        latest = feed.latest()
        assert latest.seq > first.seq + 10
        frame, seq, restarted = latest.record["frame"], latest.seq, False
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not restarted:
            got = feed.wait_next(seq, timeout=5)
            assert got is not None and got.seq > seq
            restarted = got.record["frame"] < frame
            frame, seq = got.record["frame"], got.seq
        assert restarted, "the video did not start again"
    finally:
        feed.stop()
    assert not feed.running


def test_live_feed_plays_a_video_at_its_frame_rate():
    feed = video_feed(pace=True)  # the sample video: 15 FPS
    feed.start()
    try:
        first = feed.wait_next(0, timeout=20)
        time.sleep(2.0)
        published = feed.latest().seq - first.seq
    finally:
        feed.stop()
    assert 10 <= published <= 35  # 30 expected; never as fast as it can be read


def test_a_client_that_stops_reading_does_not_stall_the_feed(classifier):
    """A viewer whose connection is full (it reads nothing) holds only its own thread."""
    from werkzeug.serving import make_server

    feed = video_feed(pace=False)
    httpd = make_server(
        "127.0.0.1", 0, create_app(Recognizer(classifier), live=feed), threaded=True
    )
    serving = threading.Thread(target=httpd.serve_forever, daemon=True)
    serving.start()
    feed.start()
    stuck = socket.socket()
    try:
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect(("127.0.0.1", httpd.port))
        stuck.sendall(b"GET /live.mjpg HTTP/1.1\r\nHost: x\r\n\r\n")
        first = feed.wait_next(0, timeout=20)
        time.sleep(1.5)  # the viewer reads nothing; its socket buffers fill up
        url = f"http://127.0.0.1:{httpd.port}/api/latest"
        started = time.monotonic()
        with urllib.request.urlopen(url, timeout=5) as answer:
            latest = json.load(answer)
        assert time.monotonic() - started < 1.0
        assert latest["seq"] > first.seq + 30  # the feed went on at its own pace
    finally:
        stuck.close()
        httpd.shutdown()
        httpd.server_close()
        feed.stop()
        serving.join(5)


def test_a_video_played_once_ends_and_its_stream_ends(classifier):
    feed = video_feed(pace=False, loop=False)
    feed.start()
    wait_for(lambda: not feed.running)
    assert feed.latest().record["frame"] == 59
    parts = list(mjpeg(feed, timeout=1.0))  # the last frame, then the end
    assert len(parts) == 1
    feed.stop()


def test_stopping_wakes_waiting_clients():
    feed = video_feed()
    feed.start()
    feed.wait_next(0, timeout=20)
    woke: list[float] = []

    def client() -> None:
        started = time.monotonic()
        assert feed.wait_next(10**9, timeout=30) is None
        woke.append(time.monotonic() - started)

    waiting = threading.Thread(target=client)
    waiting.start()
    time.sleep(0.2)
    feed.stop()
    waiting.join(5)
    assert woke and woke[0] < 5


def test_a_wrong_source_fails_at_once():
    with pytest.raises(SourceError, match="no/such/video.mp4"):
        LiveFeed("no/such/video.mp4", Recognizer(DigitClassifier()))


# -- the command --------------------------------------------------------------------------------


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="camdigit")
    add_serve_command(parser.add_subparsers(dest="command"))
    return parser


def test_serve_arguments_and_defaults():
    args = serve_parser().parse_args(["serve"])
    assert args.source is None and args.handler is serve_command
    assert (args.host, args.port, args.loop, args.conf, args.threads) == (
        "127.0.0.1",
        8000,
        True,
        0.5,
        1,
    )
    args = serve_parser().parse_args(
        [
            "serve",
            "0",
            "--host",
            "0.0.0.0",
            "--port",
            "9000",
            "--no-loop",
            "--threads",
            "2",
            "--conf",
            "0.7",
        ]
    )
    assert (args.source, args.host, args.port, args.loop, args.threads, args.conf) == (
        "0",
        "0.0.0.0",
        9000,
        False,
        2,
        0.7,
    )


def test_serve_without_flask_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "flask", None)  # import flask: ImportError
    args = serve_parser().parse_args(["serve"])
    with pytest.raises(CamdigitError) as raised:
        serve_command(args)
    assert (
        str(raised.value)
        == FLASK_MISSING
        == "camdigit serve needs Flask: pip install 'camdigit[web]'"
    )
    assert web_main([]) == 2
    assert capsys.readouterr().err == f"camdigit: error: {FLASK_MISSING}\n"


def test_serve_refuses_bad_flags_a_busy_port_and_a_wrong_source():
    with pytest.raises(UsageError, match="--port"):
        serve_command(serve_parser().parse_args(["serve", "--port", "70000"]))
    with pytest.raises(UsageError, match="--conf"):
        serve_command(serve_parser().parse_args(["serve", "--conf", "2"]))
    with pytest.raises(SourceError, match="source not found"):
        serve_command(serve_parser().parse_args(["serve", "no-such-camera-or-file"]))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = serve_parser().parse_args(["serve", str(SAMPLE_VIDEO), "--port", str(port)])
        with pytest.raises(CamdigitError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve_command(args)


PROBE = """
import sys
import camdigit, camdigit.cli, camdigit.commands.demo
import camdigit.web, camdigit.web.live, camdigit.web.serve
from camdigit.web import add_serve_command
print("FLASK:", sorted(m for m in sys.modules if m.split(".")[0] in ("flask", "werkzeug")))
"""


@pytest.mark.slow
def test_flask_is_imported_only_by_the_web_app():
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert probe.returncode == 0, probe.stderr
    assert "FLASK: []" in probe.stdout


@pytest.mark.slow
def test_serve_in_a_subprocess_prints_its_url_and_stops_on_sigterm():
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "camdigit.web", str(SAMPLE_VIDEO), "--port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        pattern = r"camdigit: serving on (http://127\.0\.0\.1:\d+/) \(Ctrl-C stops\)\n"
        found = re.fullmatch(pattern, line)
        assert found, line + (server.stderr.read() if server.poll() is not None else "")
        url = found.group(1)

        def latest() -> dict | None:
            try:
                with urllib.request.urlopen(url + "api/latest", timeout=5) as answer:
                    return json.load(answer)
            except OSError:  # 503 (no frame yet) raises HTTPError, an OSError
                return None

        first = wait_for(latest)
        wait_for(lambda: (r := latest()) and r["seq"] > first["seq"])
        with urllib.request.urlopen(url, timeout=5) as page:
            assert page.status == 200 and b"Read photos" in page.read()
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
        assert "camdigit: stopped" in server.stderr.read()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_a_live_feed_turns_a_mounted_camera_s_frames_before_reading():
    """serve --turn: the frames of a camera mounted sideways are read and published turned
    (the sample video turned a quarter anticlockwise, as such a camera films it, turned back)."""
    capture = cv2.VideoCapture(str(SAMPLE_VIDEO))
    ok, first = capture.read()
    capture.release()
    assert ok
    height, width = first.shape[:2]

    def sideways(spec: str) -> FrameSource:
        class Sideways(FrameSource):
            name, fps = spec, 10.0

            def __iter__(self):
                source = open_source(spec)
                try:
                    for frame in source:
                        image = cv2.rotate(frame.image, cv2.ROTATE_90_COUNTERCLOCKWISE)
                        yield dataclasses.replace(frame, image=image)
                finally:
                    source.close()

        return Sideways()

    recognizer = Recognizer(DigitClassifier(), tracker=DigitTracker())
    feed = LiveFeed(str(SAMPLE_VIDEO), recognizer, loop=False, pace=False, opener=sideways, turn=90)
    feed.start()
    try:
        seen: set[str] = set()

        def enough() -> bool:
            published = feed.latest()
            if published is None:
                return False
            assert (published.record["width"], published.record["height"]) == (width, height)
            seen.update(n["text"] for n in published.record["numbers"])
            return len(seen) >= 3

        wait_for(enough)
    finally:
        feed.stop()
    assert seen & set(written_numbers()["demo_video.mp4"])
