"""The live routes: the live page, ``/api/latest`` (the latest frame's record) and the MJPEG
stream ``/live.mjpg``, served to at most ``max_viewers`` clients at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Generator
from typing import Any

from flask import Flask, Response, jsonify, render_template

from camdigit.web.live import LiveFeed

log = logging.getLogger(__name__)

MJPEG_BOUNDARY = "frame"


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


def add_live_routes(app: Flask, live: LiveFeed | None, max_viewers: int) -> None:
    """Add ``GET /live``, ``GET /api/latest`` and ``GET /live.mjpg`` to ``app``.

    ``live``: the feed they show (None: no source; the API answers 404); ``max_viewers``: MJPEG
    streams served at once, one more is answered 503.
    """
    viewers = ViewerSlots(max_viewers)

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


def mjpeg(feed: LiveFeed, timeout: float = 5.0) -> Generator[bytes, None, None]:
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
