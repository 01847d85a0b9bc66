"""The routes that read images: the upload page (``GET /``, ``POST /``), ``POST /api/detect``
and the draw pad's ``POST /api/digit``, and how a read photo is shown on the page.
"""

from __future__ import annotations

import base64
import threading
from typing import Any

import cv2
import numpy as np
from flask import Flask, jsonify, render_template, request

from camdigit.core.detections import FrameResult
from camdigit.core.pipeline import Recognizer
from camdigit.core.preprocess import normalize_digit
from camdigit.io.drawing import Annotator, Style
from camdigit.web.uploads import UploadError, decode_image

UPLOAD_SOURCE = "upload"
"""The ``source`` of every uploaded image's record: never the client's file name."""

SHOWN_SIDE = 1280
"""Annotated photos on the page are shrunk to this longest side (the boxes are drawn first)."""

DOUBTFUL = Style().doubtful
"""Digits read with a lower confidence are marked on the page, as in the drawing."""


def add_photo_routes(
    app: Flask,
    recognizer: Recognizer,
    limits: dict[str, Any],
    max_files: int,
    max_file_mb: float,
) -> None:
    """Add the upload page, ``POST /api/detect`` and ``POST /api/digit`` to ``app``.

    Requests take turns with ``recognizer`` (one lock). ``limits``: the upload page's limits
    (``max_files``, ``max_mb``, ``max_file_mb``, ``formats``); ``max_files``: the most files one
    request may carry; ``max_file_mb``: the largest single photo.
    """
    model_lock = threading.Lock()  # one interpreter: requests take turns
    annotator = Annotator()

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
