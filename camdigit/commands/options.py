"""What the subcommands share: the model and recognition flags, their checks, the recognizer
they build, the --show decision and the help layout."""

from __future__ import annotations

import argparse
from pathlib import Path

from camdigit.core.classifier import DigitClassifier
from camdigit.core.finder import DigitFinder, FinderConfig
from camdigit.core.pipeline import DEFAULT_MAX_SIDE, DEFAULT_MIN_DIGIT, Recognizer
from camdigit.core.tracking import DigitTracker
from camdigit.errors import UsageError
from camdigit.io.frame_turns import TURNS

__all__ = [
    "HelpFormatter",
    "UsageError",
    "add_model_options",
    "add_recognition_options",
    "add_run_options",
    "add_turn_option",
    "check_common_flags",
    "check_threads",
    "make_recognizer",
    "want_window",
]


def check_threads(args: argparse.Namespace) -> None:
    """Refuse ``--threads`` below 1 (every command with the model options)."""
    if args.threads < 1:
        raise UsageError(f"--threads must be at least 1, got {args.threads}")


def check_common_flags(args: argparse.Namespace) -> None:
    """Refuse bad flag values before anything is opened or processed."""
    check_threads(args)
    conf = getattr(args, "conf", 0.5)
    if not 0.0 <= conf <= 1.0:
        raise UsageError(f"--conf must be between 0 and 1, got {conf}")
    min_digit = getattr(args, "min_digit", DEFAULT_MIN_DIGIT)
    if not 0.0 <= min_digit <= 1.0:
        raise UsageError(f"--min-digit must be between 0 and 1, got {min_digit}")
    if getattr(args, "max_side", 0) < 0:
        raise UsageError(f"--max-side must be 0 (off) or positive, got {args.max_side}")


def make_recognizer(args: argparse.Namespace) -> Recognizer:
    import cv2

    # --threads is the whole process's budget: OpenCV's own worker pool too (its default, one
    # thread per core, competes with the interpreter on a small board).
    cv2.setNumThreads(args.threads)
    classifier = DigitClassifier(args.model, threads=args.threads)
    tracker = DigitTracker() if args.track else None
    finder = DigitFinder(FinderConfig(ink=getattr(args, "ink", "auto")))
    return Recognizer(
        classifier,
        finder=finder,
        tracker=tracker,
        conf=args.conf,
        max_side=args.max_side,
        min_digit=getattr(args, "min_digit", DEFAULT_MIN_DIGIT),
    )


def want_window(args: argparse.Namespace) -> bool:
    """The --show decision: asked for, refused, or (by default) when a display is present."""
    from camdigit.io.display import display_available, why_no_display

    if args.show is None:
        return display_available()
    if args.show and not display_available():
        raise UsageError(f"--show: cannot open a window: {why_no_display()}; use --no-show")
    return bool(args.show)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a default only where there is one worth showing (not None, True or False)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if any(action.default is v for v in (None, True, False, argparse.SUPPRESS)):
            return action.help or ""
        return super()._get_help_string(action)


def add_model_options(parser: argparse.ArgumentParser) -> None:
    model = parser.add_argument_group("model options")
    model.add_argument(
        "--model",
        type=Path,
        default=None,
        help="a .tflite digit model (default: the shipped digits_int8.tflite)",
    )
    model.add_argument("--threads", type=int, default=1, help="interpreter threads")


MAX_SIDE_HELP = (
    "shrink larger frames before finding digits (boxes stay in the input's pixels); 0: never"
)


def add_recognition_options(
    parser: argparse.ArgumentParser, max_side_help: str = MAX_SIDE_HELP
) -> argparse._ArgumentGroup:
    """The "recognition" group with --conf, --min-digit and --max-side (checked by
    :func:`check_common_flags`), shared by ``run``, ``demo`` and ``serve``."""
    reading = parser.add_argument_group("recognition")
    reading.add_argument(
        "--conf",
        type=float,
        default=0.5,
        help="digits read with a lower confidence are not reported (0..1)",
    )
    reading.add_argument(
        "--min-digit",
        type=float,
        default=DEFAULT_MIN_DIGIT,
        help="crops the model judges a digit with a lower probability are not "
        "reported (0..1; models with a 'not a digit' class)",
    )
    reading.add_argument("--max-side", type=int, default=DEFAULT_MAX_SIDE, help=max_side_help)
    return reading


def add_turn_option(group: argparse._ActionsContainer) -> None:
    """``--turn DEGREES`` (:mod:`camdigit.io.frame_turns`), for ``run``, ``demo``, ``serve`` and
    ``collect``."""
    group.add_argument(
        "--turn",
        type=int,
        choices=sorted([0, *TURNS]),
        default=0,
        metavar="DEGREES",
        help="turn every frame of SOURCE this many degrees clockwise (0, 90, 180, 270) "
        "before reading it: a camera mounted sideways or upside down (boxes and outputs "
        "are those of the turned frames)",
    )


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Flags shared by ``run`` and ``demo``: recognition, output and display."""
    reading = add_recognition_options(parser)
    reading.add_argument(
        "--ink",
        choices=["auto", "dark", "light"],
        default="auto",
        help="the writing: dark ink on light paper, light chalk or marker on a "
        "dark board, or auto (measured per frame)",
    )
    add_turn_option(reading)
    reading.add_argument(
        "--no-track",
        dest="track",
        action="store_false",
        help="read every frame on its own (no steady labels across frames)",
    )
    view = parser.add_argument_group("visualization")
    view.add_argument(
        "--show",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show the annotated frames in a window (default: when a display is "
        "present); keys: q quits, space pauses, s saves a snapshot",
    )
    view.add_argument("--quiet", action="store_true", help="no progress bar or summary on stderr")
