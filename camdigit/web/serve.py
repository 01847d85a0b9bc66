"""``camdigit serve [SOURCE]``: the web app on a threaded werkzeug server.

Importing this module does not import Flask, so the command line can offer ``serve`` always and
say what to install when it is missing.
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys

from camdigit.pipeline import DEFAULT_MAX_SIDE, DEFAULT_MIN_DIGIT

FLASK_MISSING = "camdigit serve needs Flask: pip install 'camdigit[web]'"

log = logging.getLogger(__name__)


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """SOURCE, --host, --port, --no-loop and the model and recognition flags of ``serve``."""
    from camdigit.cli import add_model_options  # here: camdigit.cli imports this module

    parser.add_argument("source", metavar="SOURCE", nargs="?", default=None,
                        help="for the live page: camera index (0), video file, stream URL "
                        "(rtsp://, http://) or picam; none: upload page only")
    server = parser.add_argument_group("server")
    server.add_argument("--host", default="127.0.0.1",
                        help="address to listen on; 0.0.0.0 serves every network the machine "
                        "is on (anyone there can use it)")
    server.add_argument("--port", type=int, default=8000, help="port to listen on (0: any free)")
    server.add_argument("--no-loop", dest="loop", action="store_false",
                        help="play a video SOURCE once instead of starting it again at its end")
    add_model_options(parser)
    reading = parser.add_argument_group("recognition")
    reading.add_argument("--conf", type=float, default=0.5,
                         help="digits read with a lower confidence are not reported (0..1)")
    reading.add_argument("--min-digit", type=float, default=DEFAULT_MIN_DIGIT,
                         help="crops the model judges a digit with a lower probability are not "
                         "reported (0..1; models with a 'not a digit' class)")
    reading.add_argument("--max-side", type=int, default=DEFAULT_MAX_SIDE,
                         help="shrink larger frames before finding digits; 0: never")


def add_serve_command(
    subparsers: argparse._SubParsersAction,
    formatter_class: type[argparse.HelpFormatter] | None = None,
) -> argparse.ArgumentParser:
    """Register ``serve`` on the command line's subcommands; sets ``handler=serve_command``."""
    serve = subparsers.add_parser(
        "serve", formatter_class=formatter_class or argparse.ArgumentDefaultsHelpFormatter,
        help="a small web app: upload photos, draw a digit, watch a camera live",
        description="Serve a web page to read photos (pick or drop them), draw a digit and see "
        "it read, and, given a SOURCE, watch it live with the numbers read; plus a JSON API. "
        "Listens on 127.0.0.1 (this machine only) unless --host says otherwise. "
        "Needs Flask: pip install 'camdigit[web]'.",
    )
    add_serve_arguments(serve)
    serve.set_defaults(handler=serve_command)
    return serve


def serve_command(args: argparse.Namespace) -> int:
    """Build the app (and the live feed), serve until Ctrl-C or SIGTERM, then stop cleanly.

    Raises ValueError (one line) when Flask is missing or the address cannot be used; the
    model's and the source's own errors (ModelError, SourceError) pass through.
    """
    from camdigit.cli import UsageError, check_common_flags

    check_common_flags(args)
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    try:
        import flask  # noqa: F401
        from werkzeug.serving import make_server
    except ImportError:
        raise ValueError(FLASK_MISSING) from None

    import cv2

    from camdigit.classifier import DigitClassifier
    from camdigit.pipeline import Recognizer
    from camdigit.runner import Terminated
    from camdigit.tracking import DigitTracker
    from camdigit.web.app import create_app
    from camdigit.web.live import LiveFeed

    cv2.setNumThreads(args.threads)

    def recognizer(tracker: DigitTracker | None) -> Recognizer:
        # Each user of the model gets its own interpreter: they run in different threads.
        return Recognizer(DigitClassifier(args.model, threads=args.threads), tracker=tracker,
                          conf=args.conf, max_side=args.max_side,
                      min_digit=args.min_digit)

    uploads = recognizer(None)
    feed = None
    if args.source is not None:  # opened now: a wrong SOURCE fails before the server starts
        feed = LiveFeed(args.source, recognizer(DigitTracker()), loop=args.loop)
    try:
        app = create_app(uploads, live=feed)
        with listen(args.host, args.port) as sock:  # werkzeug's own bind exits on failure
            server = make_server(args.host, args.port, app, threaded=True, fd=sock.fileno())
        quiet_access_log()
        if feed is not None:
            feed.start()
        print(f"camdigit: serving on {url(args.host, server.port)} (Ctrl-C stops)", flush=True)
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print("camdigit: warning: listening beyond this machine: anyone who can reach it "
                  "can use the pages and the API", file=sys.stderr, flush=True)
        try:
            server.serve_forever()  # returns on Ctrl-C (werkzeug catches KeyboardInterrupt)
        finally:
            server.server_close()
    except (KeyboardInterrupt, Terminated):
        pass
    finally:
        if feed is not None:
            feed.stop()
    print("camdigit: stopped", file=sys.stderr, flush=True)
    return 0


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``; ValueError (one line) when that is not possible."""
    from werkzeug.serving import select_address_family

    sock = socket.socket(select_address_family(host, port), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise ValueError(f"cannot listen on {host}:{port}: {reason}") from None
    return sock


def url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def quiet_access_log() -> None:
    """One line per request (every 300 ms from a live page) only with -v."""
    access = logging.getLogger("werkzeug")
    if access.level == logging.NOTSET:
        verbose = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
        access.setLevel(logging.INFO if verbose else logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """``python -m camdigit.web [SOURCE] [--host ...]``: the same as ``camdigit serve``."""
    from camdigit import __version__
    from camdigit.classifier import ModelError
    from camdigit.cli import UsageError
    from camdigit.runner import Terminated
    from camdigit.sources import SourceError

    parser = argparse.ArgumentParser(
        prog="python -m camdigit.web", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="The camdigit web app (the same as 'camdigit serve').",
    )
    parser.add_argument("--version", action="version", version=f"camdigit {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    add_serve_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="camdigit: %(levelname)s: %(message)s")

    def terminated(signum: int, frame: object) -> None:
        raise Terminated()

    signal.signal(signal.SIGTERM, terminated)
    try:
        return serve_command(args)
    except (UsageError, ModelError, SourceError, ValueError) as exc:
        print(f"camdigit: error: {exc}", file=sys.stderr)
        return 2

