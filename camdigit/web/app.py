"""The Flask app: the upload page, the draw pad, the live page and the JSON API.

Routes:

- ``GET /``, ``POST /``: the upload page; the form posts up to ``max_files`` photos and gets them
  back annotated (embedded as ``data:`` URIs: nothing is written anywhere), with their numbers
  and each digit's confidence. The draw pad on the same page posts to ``/api/digit``.
- ``GET /live``: the live page; ``GET /live.mjpg``: the annotated live frames as MJPEG, to at
  most ``max_viewers`` clients at once (each holds one of the server's threads while it
  watches); one more gets a 503 with a message.
- ``POST /api/detect``: one image (multipart field ``image``, or the raw body) read as a photo;
  the answer is the ``--json`` record of ``camdigit run`` (``source`` is always ``"upload"``)
  plus ``width`` and ``height``.
- ``POST /api/digit``: one drawn digit (dark on light); its digit, confidence and the ten
  probabilities.
- ``GET /api/latest``: the live feed's latest frame record plus ``seq`` (counts up with every
  frame), ``fps``, ``ms_per_frame``, ``width``, ``height``, ``running``, ``problem``,
  ``viewers`` (MJPEG streams open now) and ``max_viewers``.

Errors: the API answers ``{"error": "..."}`` with 400 (not an image, no image, too many files),
404 (no live source), 413 (too large) or 503 (no live frame yet, or all MJPEG viewer places
taken); the pages show them inline.
"""

from __future__ import annotations

import base64
import io
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from flask import Flask, Request, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from camdigit import __version__
from camdigit.core.classifier import DigitClassifier
from camdigit.core.detections import FrameResult
from camdigit.core.pipeline import Recognizer
from camdigit.core.preprocess import normalize_digit
from camdigit.io.drawing import Annotator, Style
from camdigit.web.live import MAX_VIEWERS, LiveFeed
from camdigit.web.uploads import FORMATS, UploadError, decode_image

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
UPLOAD_SOURCE = "upload"
"""The ``source`` of every uploaded image's record: never the client's file name."""

SHOWN_SIDE = 1280
"""Annotated photos on the page are shrunk to this longest side (the boxes are drawn first)."""

MJPEG_BOUNDARY = "frame"

DOUBTFUL = Style().doubtful
"""Digits read with a lower confidence are marked on the page, as in the drawing."""


class InMemoryRequest(Request):
    """Uploaded files are kept in memory (the request size is capped), never in temp files."""

    def _get_file_stream(  # type: ignore[override]
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> io.BytesIO:
        return io.BytesIO()


def warm_up(classifier: DigitClassifier) -> None:
    """Make every batch size's interpreter now, in this thread, not in a request thread later
    (making one briefly points the process's stderr at /dev/null, which is not thread-safe)."""
    batch = 1
    while batch <= 256:
        classifier.classify(np.zeros((batch, 64, 64), np.uint8))
        batch *= 2


MAX_PHOTO_MB = 15
"""The largest photo one may upload: a phone's photo (3-8 MB as JPEG, up to 12 MB) fits."""

MAX_REQUEST_MB = 40
"""The largest request: two or more phone photos at once fit; every file is held in memory."""


class ViewerSlots:
    """A count of the MJPEG streams open now, at most ``limit``; thread-safe."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._used = 0

    @property
    def used(self) -> int:
        with self._lock:
            return self._used

    def take(self) -> bool:
        """Take a place; False when all ``limit`` are taken."""
        with self._lock:
            if self._used >= self.limit:
                return False
            self._used += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self._used = max(0, self._used - 1)


class MjpegStream:
    """The WSGI body of one ``/live.mjpg`` response: the frames of :func:`mjpeg`, holding one
    of ``slots`` until ``close``.

    The server calls ``close`` when the response ends, when the client goes away (waitress
    notices at the next frame it cannot send) and when the server stops: a class, not a
    generator, so that the place is given back even when the body was never iterated.
    """

    def __init__(self, feed: LiveFeed, slots: ViewerSlots, timeout: float = 5.0) -> None:
        self._frames = mjpeg(feed, timeout)
        self._slots: ViewerSlots | None = slots

    def __iter__(self) -> MjpegStream:
        return self

    def __next__(self) -> bytes:
        return next(self._frames)

    def close(self) -> None:
        slots, self._slots = self._slots, None
        if slots is not None:
            self._frames.close()
            slots.give_back()


def create_app(
    model: Recognizer | DigitClassifier,
    live: LiveFeed | None = None,
    max_upload_mb: float = MAX_REQUEST_MB,
    max_files: int = 10,
    max_file_mb: float = MAX_PHOTO_MB,
    max_viewers: int = MAX_VIEWERS,
) -> Flask:
    """The web app.

    Args:
        model: reads uploads and the draw pad; a classifier is wrapped in a default Recognizer.
            Requests take turns with it (one lock). Do not share it with ``live``.
        live: the live feed for ``/live``, started and stopped by the caller; None: no source.
        max_upload_mb: the largest request body (all files together).
        max_files: the most files one request may carry.
        max_file_mb: the largest single photo.
        max_viewers: MJPEG streams served at once; one more is answered 503. A threaded
            server needs more threads than this, or viewers leave none for the uploads.
    """
    recognizer = model if isinstance(model, Recognizer) else Recognizer(model)
    warm_up(recognizer.classifier)
    model_lock = threading.Lock()  # one interpreter: requests take turns
    annotator = Annotator()
    max_bytes = int(max_upload_mb * 1024 * 1024)
    viewers = ViewerSlots(max_viewers)

    app = Flask(
        __name__, template_folder=str(HERE / "templates"), static_folder=str(HERE / "static")
    )
    app.request_class = InMemoryRequest
    app.config.update(
        MAX_CONTENT_LENGTH=max_bytes,
        MAX_FORM_PARTS=max_files + 20,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    limits = {
        "max_files": max_files,
        "max_mb": f"{max_upload_mb:g}",
        "max_file_mb": f"{max_file_mb:g}",
        "formats": FORMATS,
    }

    def read_photo(data: bytes) -> tuple[dict, FrameResult, np.ndarray]:
        """One uploaded photo: its ``--json`` record, its result and its annotated drawing."""
        image = decode_image(data)
        with model_lock:
            result = recognizer.process(image, UPLOAD_SOURCE, 0, 0.0, still=True)
        record = result.to_json()
        record.update(width=int(image.shape[1]), height=int(image.shape[0]))
        drawn = annotator.annotate(image, result)  # the decoded image is ours to draw on
        return record, result, drawn

    def uploaded_files() -> list[tuple[str, bytes]]:
        """(name, data) of each file in field ``image``; the name is only ever shown."""
        files = request.files.getlist("image")
        count = sum(len(request.files.getlist(key)) for key in request.files)
        if count > max_files:
            raise UploadError(f"too many files: {count} (at most {max_files} per request)")
        chosen = [(f.filename or "", f.read()) for f in files]
        for name, data in chosen:
            if len(data) > max_file_mb * 1024 * 1024:
                raise UploadError(
                    f"{shorten(name) or 'a photo'} is {len(data) / 1048576:.1f} MB: "
                    f"at most {max_file_mb:g} MB per photo"
                )
        return [(name, data) for name, data in chosen if name or data]

    def one_image() -> bytes:
        """The image of an API request: the multipart field ``image``, or the raw body."""
        if request.mimetype == "multipart/form-data":
            files = uploaded_files()
            if len(files) > 1:
                raise UploadError(
                    f"{len(files)} images sent: this endpoint reads one per "
                    f"request (the upload page takes up to {max_files})"
                )
            if not files:
                raise UploadError(
                    "no image: send it as the multipart field 'image' or as the request body"
                )
            return files[0][1]
        return request.get_data(cache=False)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
            "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    def wants_json() -> bool:
        return request.path.startswith("/api/") or request.path == "/live.mjpg"

    @app.errorhandler(UploadError)
    def upload_error(exc: UploadError) -> Any:
        if wants_json():
            return jsonify(error=str(exc)), 400
        return render_template("index.html", error=str(exc), photos=[], **limits), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        length = request.content_length
        if status == 413 and length is not None and length <= max_bytes:
            # Not the size: the form itself (MAX_FORM_PARTS, or a huge plain field).
            status = 400
            message = f"too many parts in the form (at most {max_files} files per request)"
        elif status == 413:
            message = f"upload too large: at most {max_upload_mb:g} MB per request"
        else:
            message = f"{exc.name}: {exc.description}" if status != 404 else "not found"
        if wants_json():
            return jsonify(error=message), status
        if status == 413 or (request.path == "/" and request.method == "POST"):
            return render_template("index.html", error=message, photos=[], **limits), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def internal_error(exc: Exception) -> Any:
        log.exception("request %s %s failed", request.method, request.path)
        message = "internal error (see the server's log)"
        if wants_json():
            return jsonify(error=message), 500
        return render_template("error.html", status=500, message=message), 500

    @app.context_processor
    def page_globals() -> dict:
        return {"version": __version__, "live_name": live.name if live else None}

    @app.get("/")
    def upload_page() -> Any:
        return render_template("index.html", error=None, photos=[], **limits)

    @app.post("/")
    def upload_photos() -> Any:
        files = uploaded_files()
        if not files:
            raise UploadError("no photo chosen: pick or drop one or more photos")
        photos, problems = [], []
        for number, (name, data) in enumerate(files, 1):
            label = f"Photo {number}" + (f" ({shorten(name)})" if name else "")
            try:
                record, result, drawn = read_photo(data)
            except UploadError as exc:
                problems.append(f"{label}: {exc}")
                continue
            photos.append(
                {
                    "label": label,
                    "record": record,
                    "src": data_uri(drawn),
                    "rows": number_rows(result),
                }
            )
        status = 200 if photos else 400
        return render_template(
            "index.html", error="; ".join(problems) or None, photos=photos, **limits
        ), status

    @app.post("/api/detect")
    def api_detect() -> Any:
        record, _, _ = read_photo(one_image())
        return jsonify(record)

    @app.post("/api/digit")
    def api_digit() -> Any:
        image = decode_image(one_image())
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        crop = normalize_digit(gray, ink="dark")
        if not crop.any():
            raise UploadError("draw a digit first: the pad is blank")
        with model_lock:
            result = recognizer.classifier.classify(crop)
        probabilities = [round(float(p), 4) for p in result.probabilities[0]]
        return jsonify(
            digit=int(result.digits[0]),
            confidence=round(float(result.confidences[0]), 4),
            probabilities=probabilities,
        )

    @app.get("/live")
    def live_page() -> Any:
        return render_template("live.html", live=live is not None)

    @app.get("/api/latest")
    def api_latest() -> Any:
        if live is None:
            return jsonify(
                error="no live source: start 'camdigit serve SOURCE' with a camera "
                "index, picam or a video file"
            ), 404
        latest = live.latest()
        state = {
            "running": live.running,
            "problem": live.problem,
            "viewers": viewers.used,
            "max_viewers": viewers.limit,
        }
        if latest is None:
            message = state["problem"] or f"waiting for the first frame from {live.name}"
            return jsonify(error=message, **state), 503
        return jsonify({**latest.record, "seq": latest.seq, **state})

    @app.get("/live.mjpg")
    def live_mjpeg() -> Any:
        if live is None:
            return jsonify(error="no live source"), 404
        if not viewers.take():
            log.info("live stream refused: %d viewers already", viewers.limit)
            answer = jsonify(
                error=f"too many viewers: this server streams the live view to at "
                f"most {viewers.limit} at once; try again later (the numbers read "
                f"are at /api/latest)"
            )
            answer.headers["Retry-After"] = "10"
            return answer, 503
        try:
            response = Response(
                MjpegStream(live, viewers),
                mimetype=f"multipart/x-mixed-replace; boundary={MJPEG_BOUNDARY}",
            )
        except BaseException:
            viewers.give_back()
            raise
        response.headers["Cache-Control"] = "no-store"
        return response

    return app


def mjpeg(feed: LiveFeed, timeout: float = 5.0) -> Iterator[bytes]:
    """Each newly published frame as one MJPEG part, at the client's own pace: a slow client
    skips frames. Ends when the feed stops (after the last frame) or the client goes away."""
    seq = 0
    while True:
        frame = feed.wait_next(seq, timeout)
        if frame is None:
            if feed.running:
                continue
            return
        seq = frame.seq
        yield (
            (
                f"--{MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                f"Content-Length: {len(frame.jpeg)}\r\n\r\n"
            ).encode()
            + frame.jpeg
            + b"\r\n"
        )


def number_rows(result: FrameResult) -> list[dict]:
    """Each number read with its digits and their confidences, for the page."""
    d = result.detections
    return [
        {
            "text": number.text,
            "digits": [
                {
                    "digit": int(d.digits[i]),
                    "confidence": float(d.confidences[i]),
                    "doubtful": bool(d.confidences[i] < DOUBTFUL),
                }
                for i in number.members
            ],
        }
        for number in result.numbers
    ]


def shorten(name: str, limit: int = 60) -> str:
    """A client's file name, for display only (the page escapes it)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"


def data_uri(image: np.ndarray) -> str:
    """A drawing as a JPEG ``data:`` URI, shrunk to :data:`SHOWN_SIDE` for the page."""
    longest = max(image.shape[:2])
    if longest > SHOWN_SIDE:
        factor = SHOWN_SIDE / longest
        size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode("ascii")
