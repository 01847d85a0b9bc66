"""The ``camdigit`` command line: a thin layer over functions a program can call directly.

Each subcommand lives in :mod:`camdigit.commands` and registers itself; this module only
assembles the parser and runs ``main``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import traceback

from camdigit import __version__
from camdigit.commands import classify, collect, demo, explain, report, run, serve
from camdigit.errors import CamdigitError
from camdigit.io.runner import Terminated

COMMANDS = (
    run.register,
    demo.register,
    classify.register,
    serve.register,
    collect.register,
    explain.register,
    report.register,
)
"""Each subcommand's ``register(subparsers)``, in the order ``camdigit --help`` lists them."""

BUG_HINT = (
    "camdigit: internal error (a bug, not a wrong flag or file): please report it "
    "with the traceback above"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="camdigit",
        description="Read handwritten digits through a camera with a small int8 CNN "
        "(no TensorFlow needed).",
    )
    parser.add_argument("--version", action="version", version=f"camdigit {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in COMMANDS:
        register(subparsers)
    return parser


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="camdigit: %(levelname)s: %(message)s",
    )
    if args.command is None:
        parser.print_help()
        return 2
    previous = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread (embedded use): leave SIGTERM alone
        previous = None
    try:
        return args.handler(args)
    except CamdigitError as exc:  # refused on purpose: one line, no traceback
        print(f"camdigit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("camdigit: interrupted; outputs closed", file=sys.stderr)
        return 130
    except Terminated:
        print("camdigit: terminated; outputs closed", file=sys.stderr)
        return 143
    except BrokenPipeError:
        return 0
    except Exception:  # a bug, not a wrong flag or file: its traceback is what a report needs
        traceback.print_exc()
        print(BUG_HINT, file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
