"""``camdigit explain IMAGE``: why the model reads each digit as it does (occlusion sensitivity).

The method is :mod:`camdigit.core.occlusion`'s: for each digit, how far the read digit's log-odds
fall when a square of its normalized crop is hidden. The command draws the result
(:mod:`camdigit.commands.explain_drawing`): over a page, each found digit gets its heat map (JET:
red is where the decision rests) and its three likeliest readings; a single digit (``--crop``, a
small image, or a page where no digit is found) gets a panel of the normalized crop, the heat
over it and a bar chart of the ten probabilities.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import cv2
import numpy as np

from camdigit.commands.explain_drawing import draw_page, draw_panel, reading_order
from camdigit.commands.options import HelpFormatter, UsageError, add_model_options, check_threads
from camdigit.core.classifier import DigitClassifier
from camdigit.core.occlusion import occlusion_map
from camdigit.core.preprocess import CANVAS, SINGLE_DIGIT_SIDE, guess_ink, normalize_digit

log = logging.getLogger(__name__)


OUTPUT_SUFFIXES = (".png", ".jpg", ".jpeg")


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``explain`` to the command line's subcommands; sets ``handler=explain_command``."""

    explain = subparsers.add_parser(
        "explain",
        formatter_class=HelpFormatter,
        help="why each digit is read as it is: occlusion heat maps and top-3 readings",
        description="Find the digits in IMAGE and show, for each, which parts of its stroke the "
        "model's reading rests on (occlusion sensitivity: how far the read digit's log-odds "
        "fall when a square of the digit is hidden; red: far) and its three likeliest readings. "
        "A single digit (--crop, an image of at most 128x128 px, or an image where no digit is "
        "found) gets a panel: the normalized crop, its heat map and the ten probabilities.",
    )
    explain.add_argument("image", metavar="IMAGE", type=Path, help="a photo, page or digit image")
    explain.add_argument(
        "--crop",
        action="store_true",
        help="IMAGE is one digit: explain it whole (ink polarity guessed)",
    )
    explain.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="PATH",
        help="the picture to write, .png or .jpg "
        "(default: IMAGE's name with .explain.png, in the current folder)",
    )
    occlusion = explain.add_argument_group("occlusion")
    occlusion.add_argument(
        "--patch",
        type=int,
        default=8,
        help="side of the hidden square, in the 64x64 normalized crop's pixels",
    )
    occlusion.add_argument(
        "--stride", type=int, default=4, help="step between hidden squares, in the same pixels"
    )
    add_model_options(explain)
    explain.set_defaults(handler=explain_command)
    return explain


def output_path(image: Path, out: Path | None) -> Path:
    """Where the picture goes; refused (one line) before any work when it cannot be written."""
    path = out if out is not None else Path(image.stem + ".explain.png")
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise UsageError(f"--out must end in .png, .jpg or .jpeg, got {path}")
    if path.is_dir():
        raise UsageError(f"--out is a folder, give a file name: {path}")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"output folder does not exist: {folder}")
    return path


def check_flags(args: argparse.Namespace) -> None:
    check_threads(args)
    if not 1 <= args.patch <= CANVAS:
        raise UsageError(f"--patch must be between 1 and {CANVAS}, got {args.patch}")
    if not 1 <= args.stride <= CANVAS:
        raise UsageError(f"--stride must be between 1 and {CANVAS}, got {args.stride}")


def explain_command(args: argparse.Namespace) -> int:
    """Explain IMAGE's digits; prints one line per digit and writes the picture."""
    from camdigit.core.pipeline import Recognizer
    from camdigit.io.images import ImageError, read_image, to_bgr8
    from camdigit.io.outputs import OutputError

    check_flags(args)
    out = output_path(args.image, args.out)
    cv2.setNumThreads(args.threads)
    image = to_bgr8(read_image(args.image))
    classifier = DigitClassifier(args.model, threads=args.threads)

    found = None
    height, width = image.shape[:2]
    if not args.crop and max(height, width) > SINGLE_DIGIT_SIDE:
        found = Recognizer(classifier).find(image)
        if not len(found):
            log.info("no digit found in %s: explaining it as one digit", args.image)
            found = None
    if found is None:
        crop = normalize_digit(image, ink=guess_ink(image))
        if not crop.any():
            raise ImageError(f"no ink in {args.image}: nothing to explain")
        boxes = np.array([[0, 0, width, height]], np.int32)
        crops = crop[None]
    else:
        boxes = found.boxes
        crops = np.stack([normalize_digit(c, ink="dark") for c in found.data["crops"]])
    explanations = [occlusion_map(classifier, c, args.patch, args.stride) for c in crops]

    for i in reading_order(boxes):
        x, y, w, h = (int(v) for v in boxes[i])
        print(f"{x},{y},{w},{h}  {explanations[i].summary()}", flush=True)
    picture = (
        draw_panel(crops[0], explanations[0])
        if found is None
        else draw_page(image, boxes, crops, explanations)
    )
    try:
        written = cv2.imwrite(str(out), picture)
    except cv2.error:
        written = False
    if not written:
        raise OutputError(f"cannot write {out}")
    print(f"camdigit: wrote {out}", file=sys.stderr, flush=True)
    return 0
