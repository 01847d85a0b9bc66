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

This module makes the app, its limits, headers and error pages; the routes are added by
:mod:`camdigit.web.photo_routes` (the upload page, the draw pad, ``/api/detect``) and
:mod:`camdigit.web.live_routes` (the live page, ``/api/latest``, ``/live.mjpg``).

Errors: the API answers ``{"error": "..."}`` with 400 (not an image, no image, too many files),
404 (no live source), 413 (too large) or 503 (no live frame yet, or all MJPEG viewer places
taken); the pages show them inline.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import numpy as np
from flask import Flask, Request, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from camdigit import __version__
from camdigit.core.classifier import DigitClassifier
from camdigit.core.pipeline import Recognizer
from camdigit.web.live import MAX_VIEWERS, LiveFeed
from camdigit.web.live_routes import add_live_routes
from camdigit.web.photo_routes import add_photo_routes
from camdigit.web.uploads import FORMATS, UploadError

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent


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
    max_bytes = int(max_upload_mb * 1024 * 1024)

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

    add_photo_routes(app, recognizer, limits, max_files, max_file_mb)
    add_live_routes(app, live, max_viewers)
    return app
