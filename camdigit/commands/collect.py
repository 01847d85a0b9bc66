"""``camdigit collect``: a labelled set of the user's own digits, from a camera, video or photos.

Every digit found is saved as the model's own input, the normalized 64x64 crop (bright ink on
black, exactly what training and the camera path feed the model), into ``OUT/<digit>/``. How a
digit gets its label:

- ``--sheet 0123456789``: a prompted sheet. Write one row per character (a row of 0s, then of
  1s, ...); rows, top to bottom, take the labels in order. A frame whose rows do not match the
  sheet is skipped with a warning.
- ``--label 7``: every digit found is a 7 (a page of 7s; a folder of photos of one digit).
- ``--from-names``: each file's label from its folder or name (``7/...``, ``7_a.jpg``,
  ``x-label7.png``): importing photos labelled elsewhere.
- ``--confirm``: the model's reading, confirmed by the user: in the window (Enter or y accepts,
  a digit key corrects, n skips) or on the terminal without one; ``--yes-above P`` accepts
  readings at least P confident without asking.
- ``--keys`` (window): press a digit key to save the digits in view under that label.

With a window, space captures the frame for ``--sheet``, ``--label`` and ``--confirm``; without
one, a photo is one capture and a video or camera gives one every ``--every`` seconds.

Nothing is lost: OUT is a set that grows, so new crops are always added, each under a name not
yet taken, and no file there is ever written over. A crop is named after its photo or video
(``NAME-f<frame>-<k>.png``), so a run over a photo or video whose crops OUT already holds (from
an earlier ``collect``) would add the same digits a second time: it is refused before any work
(no model loaded, no frame read) unless ``--overwrite`` is given, which replaces those earlier
crops (in whichever digit folder they are: a label may have changed) with the new ones. An
input is never replaced, with or without ``--overwrite``. A camera's or stream's crops are
always added.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from camdigit.commands.collect_crops import Collection, check_out
from camdigit.commands.collect_labels import (
    AnswersEnded,
    Ask,
    label_frame,
    terminal_ask,
    window_ask,
)
from camdigit.commands.options import (
    HelpFormatter,
    add_model_options,
    add_turn_option,
    check_common_flags,
    make_recognizer,
    want_window,
)
from camdigit.core.pipeline import Recognizer
from camdigit.errors import UsageError
from camdigit.io.frame_turns import turned_frame
from camdigit.io.sources import FrameSource, open_source


def collect(
    args: argparse.Namespace,
    recognizer: Recognizer,
    show: bool,
    source: FrameSource | None = None,
    earlier: dict[str, list[Path]] | None = None,
) -> Collection:
    """Run the collection over the source (``args.source`` opened here unless given; it is
    closed at the end); returns what was saved. ``earlier``: crops to replace, from
    :func:`check_out` with ``--overwrite``."""
    if source is None:
        source = open_source(args.source)
    try:
        collection = Collection(args.out, earlier=dict(earlier or {}))
    except BaseException:
        source.close()
        raise
    ask: Ask | None = None
    if args.confirm:
        ask = window_ask if show else (terminal_ask if sys.stdin.isatty() else None)
        if ask is None and args.yes_above > 1.0:
            source.close()
            raise UsageError(
                "--confirm asks about each reading, but there is no window and no "
                "terminal here: give --yes-above P to keep the readings at least "
                "P confident without asking"
            )
        if ask is None:
            print(
                f"camdigit: no terminal to ask: only readings at least {args.yes_above:g} "
                f"confident are kept",
                file=sys.stderr,
            )
    last_capture = -float("inf")
    try:
        for frame in source:
            frame = turned_frame(frame, args.turn)
            key_label, capture = None, False
            if show:
                key = _show(frame.image, recognizer, collection)
                if key == ord("q"):
                    break
                if args.keys and ord("0") <= key <= ord("9"):
                    key_label, capture = key - ord("0"), True
                capture = capture or (key == ord(" ") and not args.keys) or frame.still
            elif frame.still or frame.time - last_capture >= args.every:
                capture = True
            if not capture:
                continue
            last_capture = frame.time
            ended = False
            try:
                pairs = label_frame(frame, recognizer, args, ask, key_label)
            except AnswersEnded as end:  # Ctrl-D: keep this frame's answers, then stop
                pairs, ended = end.pairs, True
            if pairs:
                collection.replace_earlier(Path(frame.source).stem)
            stem = f"{Path(frame.source).stem or 'camera'}-f{frame.index}"
            for k, (crop, label) in enumerate(pairs):
                collection.save(crop, label, f"{stem}-{k}")
            print(
                f"camdigit: {frame.source} frame {frame.index}: saved {len(pairs)}  |  "
                f"{collection.line()}",
                file=sys.stderr,
                flush=True,
            )
            if ended:
                print(
                    "camdigit: input ended: stopped, every answer given is saved",
                    file=sys.stderr,
                    flush=True,
                )
                break
    finally:
        source.close()
        if show:
            cv2.destroyAllWindows()
    return collection


def _show(image: np.ndarray, recognizer: Recognizer, collection: Collection) -> int:
    """The live view: digits found, the counts so far; returns the key pressed (or 255)."""
    view = image.copy()
    found = recognizer.find(view)
    for x, y, w, h in found.boxes:
        cv2.rectangle(view, (int(x), int(y)), (int(x + w), int(y + h)), (40, 170, 0), 2)
    cv2.putText(view, collection.line(), (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 255), 2)
    cv2.imshow("camdigit collect", view)
    return cv2.waitKey(1) & 0xFF


def check_collect_flags(args: argparse.Namespace) -> None:
    modes = [bool(args.sheet), args.label is not None, args.from_names, args.confirm, args.keys]
    if sum(modes) != 1:
        raise UsageError(
            "choose one way to label the digits: --sheet DIGITS, --label D, "
            "--from-names, --confirm or --keys"
        )
    if args.sheet and not (args.sheet.isdigit()):
        raise UsageError(
            f"--sheet takes the digits written row by row, like 0123456789, got {args.sheet!r}"
        )
    if args.label is not None and not 0 <= args.label <= 9:
        raise UsageError(f"--label must be a digit 0-9, got {args.label}")
    if not 0.0 <= args.yes_above <= 1.01:
        raise UsageError(f"--yes-above must be between 0 and 1, got {args.yes_above}")
    if args.every <= 0:
        raise UsageError(f"--every must be positive, got {args.every}")
    if not args.out.parent.is_dir():
        raise UsageError(f"--out {args.out}: folder {args.out.parent} does not exist")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out must be a folder, and {args.out} is a file")


def collect_command(args: argparse.Namespace) -> int:

    check_common_flags(args)
    check_collect_flags(args)
    show = want_window(args)
    if args.keys and not show:
        raise UsageError("--keys needs the window (a display); use --sheet, --label or --confirm")
    args.track = False
    started = time.monotonic()
    source = open_source(args.source)
    try:  # refused before the model is loaded or a frame read
        earlier = check_out(args.out, source, args.overwrite)
        recognizer = make_recognizer(args)
    except BaseException:
        source.close()
        raise
    collection = collect(args, recognizer, show, source, earlier)
    replaced = f"; replaced {collection.replaced} saved before" if collection.replaced else ""
    print(
        f"saved {collection.saved} digits in {args.out} ({time.monotonic() - started:.1f} s)"
        f"{replaced}; now {sum(collection.counts.values())} in all: {collection.line()}"
    )
    return 0 if collection.saved else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``collect`` to the command line's subcommands."""
    parser = subparsers.add_parser(
        "collect",
        formatter_class=HelpFormatter,
        help="save your own labelled digits (normalized crops) from a camera, video or photos",
        description="Save every digit found as the model's normalized 64x64 crop in "
        "OUT/<digit>/, labelled by a prompted sheet, a fixed label, file names, or the model's "
        "reading confirmed by you. Train on them with train.py --extra OUT.",
    )
    parser.add_argument(
        "source", metavar="SOURCE", help="camera index, picam, video, photo, folder or glob"
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="folder for OUT/<digit>/*.png, made if missing; new crops are "
        "added to it, never written over a file. Crops are named after their "
        "photo or video (NAME-f<frame>-<k>.png): a photo or video whose crops "
        "OUT already holds is refused before any work, unless --overwrite",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the crops an earlier collect saved in OUT from the same "
        "photo or video (in any digit folder) with this run's (an input is "
        "never replaced)",
    )
    labels = parser.add_argument_group("labels (choose one)")
    labels.add_argument(
        "--sheet", metavar="DIGITS", help="a prompted sheet: one row per character, top to bottom"
    )
    labels.add_argument("--label", type=int, metavar="D", help="every digit found is D")
    labels.add_argument(
        "--from-names", action="store_true", help="each file's label from its folder or file name"
    )
    labels.add_argument(
        "--confirm",
        action="store_true",
        help="the model's reading, confirmed in the window or on the terminal",
    )
    labels.add_argument(
        "--keys",
        action="store_true",
        help="window: a digit key saves the digits in view under that label",
    )
    parser.add_argument(
        "--yes-above",
        type=float,
        default=1.01,
        metavar="P",
        help="with --confirm, accept readings at least this confident unasked",
    )
    parser.add_argument(
        "--every",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="without a window, capture a video or camera this often",
    )
    parser.add_argument(
        "--show",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the live window (default: when a display is present)",
    )
    add_turn_option(parser)
    add_model_options(parser)
    parser.set_defaults(handler=collect_command, conf=0.0, max_side=1280, track=False)
