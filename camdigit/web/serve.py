"""``camdigit serve [SOURCE]``: the web app on waitress, a production WSGI server.

waitress serves with a fixed pool of threads. Each MJPEG viewer holds one for as long as it
watches, so the pool is ``--max-viewers`` threads for them plus :data:`REQUEST_THREADS` for
everything else, and the app answers one viewer more with a 503: viewers never starve uploads.

Importing this module does not import Flask or waitress, so the command line can offer
``serve`` always and say what to install when they are missing.
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
import threading

from camdigit.commands.options import (
    UsageError,
    add_model_options,
    add_recognition_options,
    add_turn_option,
    check_common_flags,
)
from camdigit.errors import CamdigitError
from camdigit.web.live import MAX_VIEWERS

FLASK_MISSING = "camdigit serve needs Flask: pip install 'camdigit[web]'"
WAITRESS_MISSING = "camdigit serve needs waitress: pip install 'camdigit[web]'"

REQUEST_THREADS = 4
"""Server threads for pages, uploads and the API, beside one per MJPEG viewer. The model reads
one photo at a time (one interpreter), so more would only queue; these also decode the uploads
and encode the answers meanwhile."""

SEND_BUFFER_BYTES = 1024 * 1024
"""Answer bytes waitress holds per connection before the thread writing waits for the client
(waitress's default: 16 MB, spilled to a temporary file past 1 MB). A viewer slower than the
feed then skips frames, a second or so behind at most, and holds this much memory at most."""

log = logging.getLogger(__name__)


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """SOURCE, --host, --port, --no-loop and the model and recognition flags of ``serve``."""
    parser.add_argument(
        "source",
        metavar="SOURCE",
        nargs="?",
        default=None,
        help="for the live page: camera index (0), video file, stream URL "
        "(rtsp://, http://) or picam; none: upload page only",
    )
    server = parser.add_argument_group("server")
    server.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; 0.0.0.0 serves every network the machine "
        "is on (anyone there can use it)",
    )
    server.add_argument("--port", type=int, default=8000, help="port to listen on (0: any free)")
    server.add_argument(
        "--max-viewers",
        type=int,
        default=MAX_VIEWERS,
        metavar="N",
        help="most live MJPEG streams served at once (each holds a server "
        "thread); one more is answered 503",
    )
    server.add_argument(
        "--no-loop",
        dest="loop",
        action="store_false",
        help="play a video SOURCE once instead of starting it again at its end",
    )
    add_model_options(parser)
    add_turn_option(
        add_recognition_options(parser, "shrink larger frames before finding digits; 0: never")
    )


def add_serve_command(
    subparsers: argparse._SubParsersAction,
    formatter_class: type[argparse.HelpFormatter] | None = None,
) -> argparse.ArgumentParser:
    """Register ``serve`` on the command line's subcommands; sets ``handler=serve_command``."""
    serve = subparsers.add_parser(
        "serve",
        formatter_class=formatter_class or argparse.ArgumentDefaultsHelpFormatter,
        help="a small web app: upload photos, draw a digit, watch a camera live",
        description="Serve a web page to read photos (pick or drop them), draw a digit and see "
        "it read, and, given a SOURCE, watch it live with the numbers read; plus a JSON API. "
        "Listens on 127.0.0.1 (this machine only) unless --host says otherwise, on waitress "
        "(a production WSGI server). Needs Flask and waitress: pip install 'camdigit[web]'.",
    )
    add_serve_arguments(serve)
    serve.set_defaults(handler=serve_command)
    return serve


def serve_command(args: argparse.Namespace) -> int:
    """Build the app (and the live feed), serve until Ctrl-C or SIGTERM, then stop cleanly.

    Raises CamdigitError (one line) when Flask or waitress is missing or the address cannot be
    used; the model's and the source's own errors (ModelError, SourceError) pass through.
    """

    check_common_flags(args)
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    max_viewers = getattr(args, "max_viewers", MAX_VIEWERS)
    if not 1 <= max_viewers <= 64:
        raise UsageError(f"--max-viewers must be between 1 and 64, got {max_viewers}")
    try:
        import flask  # noqa: F401
    except ImportError:
        raise CamdigitError(FLASK_MISSING) from None
    try:
        import waitress.server
        from waitress import wasyncore
    except ImportError:
        raise CamdigitError(WAITRESS_MISSING) from None

    import cv2

    from camdigit.core.classifier import DigitClassifier
    from camdigit.core.pipeline import Recognizer
    from camdigit.core.tracking import DigitTracker
    from camdigit.io.runner import Terminated
    from camdigit.web.app import MAX_REQUEST_MB, create_app
    from camdigit.web.live import LiveFeed

    cv2.setNumThreads(args.threads)

    def recognizer(tracker: DigitTracker | None) -> Recognizer:
        # Each user of the model gets its own interpreter: they run in different threads.
        return Recognizer(
            DigitClassifier(args.model, threads=args.threads),
            tracker=tracker,
            conf=args.conf,
            max_side=args.max_side,
            min_digit=args.min_digit,
        )

    uploads = recognizer(None)
    feed = None
    if args.source is not None:  # opened now: a wrong SOURCE fails before the server starts
        feed = LiveFeed(args.source, recognizer(DigitTracker()), loop=args.loop, turn=args.turn)
    try:
        app = create_app(uploads, live=feed, max_viewers=max_viewers)
        sock = listen(args.host, args.port)  # here, not in waitress: a one-line error
        channels: dict = {}  # waitress's sockets: the listening one and each connection
        try:
            server = waitress.server.create_server(
                app,
                map=channels,
                sockets=[sock],
                threads=max_viewers + REQUEST_THREADS,
                ident="camdigit",
                # a body as large as the app takes, plus the form's own bytes; larger ones
                # are refused (413) before they are read
                max_request_body_size=int(MAX_REQUEST_MB * 1024 * 1024) + 1024 * 1024,
                outbuf_high_watermark=SEND_BUFFER_BYTES,
                outbuf_overflow=SEND_BUFFER_BYTES,
            )
        except BaseException:
            sock.close()
            raise
        port = sock.getsockname()[1]
        quiet_queue_log()
        if feed is not None:
            feed.start()
        print(f"camdigit: serving on {url(args.host, port)} (Ctrl-C stops)", flush=True)
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(
                "camdigit: warning: listening beyond this machine: anyone who can reach it "
                "can use the pages and the API",
                file=sys.stderr,
                flush=True,
            )
        try:
            serve_until_stopped(channels)
        finally:
            if feed is not None:
                feed.stop()  # first: it ends every MJPEG stream, freeing their threads
            server.task_dispatcher.shutdown(timeout=2)
            wasyncore.close_all(channels, ignore_all=True)
    except (KeyboardInterrupt, Terminated):  # before the server ran
        pass
    finally:
        if feed is not None:
            feed.stop()
    print("camdigit: stopped", file=sys.stderr, flush=True)
    return 0


def serve_until_stopped(channels: dict, poll_seconds: float = 0.2) -> None:
    """Run waitress's loop until Ctrl-C or SIGTERM.

    The signals only set a flag that the loop looks at every ``poll_seconds``: an exception
    raised by a handler while the loop handles a connection would be caught and logged there
    as that connection's error, and the server would go on. (waitress's own ``run`` lets
    KeyboardInterrupt through, but then waits up to 5 s for the MJPEG threads, which end only
    once the live feed has stopped.)
    """
    from waitress import wasyncore

    stop = threading.Event()

    def stop_serving(signum: int, frame: object) -> None:
        stop.set()

    previous = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, stop_serving)
    except ValueError:  # not the main thread (embedded use): the signals are not ours
        pass
    try:
        while channels and not stop.is_set():
            wasyncore.loop(timeout=poll_seconds, map=channels, count=1)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def quiet_queue_log() -> None:
    """waitress warns "Task queue depth is N" whenever a request waits for a thread: only with
    -v (uploads take turns with the model anyway, so a short queue is normal)."""
    queue = logging.getLogger("waitress.queue")
    if queue.level == logging.NOTSET and logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        queue.setLevel(logging.ERROR)


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``; CamdigitError (one line) when that is not possible."""
    from werkzeug.serving import select_address_family

    sock = socket.socket(select_address_family(host, port), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise CamdigitError(f"cannot listen on {host}:{port}: {reason}") from None
    return sock


def url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def main(argv: list[str] | None = None) -> int:
    """``python -m camdigit.web [SOURCE] [--host ...]``: the same as ``camdigit serve``."""
    from camdigit import __version__
    from camdigit.io.runner import Terminated

    parser = argparse.ArgumentParser(
        prog="python -m camdigit.web",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="The camdigit web app (the same as 'camdigit serve').",
    )
    parser.add_argument("--version", action="version", version=f"camdigit {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    add_serve_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="camdigit: %(levelname)s: %(message)s",
    )

    def terminated(signum: int, frame: object) -> None:
        raise Terminated()

    signal.signal(signal.SIGTERM, terminated)
    try:
        return serve_command(args)
    except CamdigitError as exc:
        print(f"camdigit: error: {exc}", file=sys.stderr)
        return exc.exit_code
