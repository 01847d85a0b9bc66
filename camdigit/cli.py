"""The ``camdigit`` command line: a thin layer over functions a program can call directly."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from camdigit import __version__
from camdigit.classifier import DigitClassifier, ModelError
from camdigit.images import ImageError, read_image
from camdigit.preprocess import guess_ink, normalize_digit

SAMPLE_DIGITS = Path(__file__).resolve().parent / "samples" / "digits"


class UsageError(Exception):
    """A flag value or argument is wrong; refused before any processing."""


def sample_digit_paths() -> list[Path]:
    """The bundled sample crops (MNIST test digits), used when no image is given."""
    return sorted(SAMPLE_DIGITS.glob("*.png"))


def _truth_from_name(path: Path) -> int | None:
    """Bundled samples carry their label in the name: ``...-label7...png``."""
    stem = path.stem
    marker = stem.find("-label")
    if marker < 0 or marker + 6 >= len(stem) or not stem[marker + 6].isdigit():
        return None
    return int(stem[marker + 6])


def classify_command(args: argparse.Namespace) -> int:
    if args.threads < 1:
        raise UsageError(f"--threads must be at least 1, got {args.threads}")
    paths = [Path(p) for p in args.images] or sample_digit_paths()
    if not paths:
        raise UsageError(f"no images given and no bundled samples in {SAMPLE_DIGITS}")
    classifier = DigitClassifier(args.model, threads=args.threads)

    crops, kept, failures = [], [], 0
    for path in paths:
        try:
            image = read_image(path)
        except ImageError as exc:
            if len(paths) == 1:
                raise
            logging.getLogger("camdigit").warning("skipping: %s", exc)
            failures += 1
            continue
        ink = guess_ink(image) if args.ink == "auto" else args.ink
        crops.append(normalize_digit(image, ink=ink))
        kept.append(path)
    if not crops:
        raise ImageError("none of the images could be read")

    import numpy as np

    result = classifier.classify(np.stack(crops))
    right = known = 0
    for path, digit, confidence in zip(kept, result.digits, result.confidences, strict=True):
        truth = _truth_from_name(path) if not args.images else None
        if truth is not None:
            known += 1
            right += int(truth == digit)
        if args.json:
            record = {"file": str(path), "digit": int(digit), "confidence": float(confidence)}
            if truth is not None:
                record["truth"] = truth
            print(json.dumps(record), flush=True)
        else:
            mark = "" if truth is None else ("  ok" if truth == digit else f"  WRONG (is {truth})")
            print(f"{path.name}: {digit}  ({confidence:.3f}){mark}", flush=True)
    if known and not args.json:
        print(f"{right}/{known} bundled sample digits read right "
              f"with {classifier.path.name} ({classifier.input_type})")
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="camdigit",
        description="Read handwritten digits with a small int8 CNN (no TensorFlow needed).",
    )
    parser.add_argument("--version", action="version", version=f"camdigit {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    classify = commands.add_parser(
        "classify",
        help="classify single-digit images (default: the bundled sample digits)",
        description="Classify images that each hold one digit. With no IMAGE, classifies the "
        "bundled sample digits (MNIST test digits) and checks the answers.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    classify.add_argument("images", nargs="*", metavar="IMAGE", help="image files, one digit each")
    model = classify.add_argument_group("model options")
    model.add_argument("--model", type=Path, default=None,
                       help="a .tflite digit model (default: the shipped digits_int8.tflite)")
    model.add_argument("--threads", type=int, default=1, help="interpreter threads")
    classify.add_argument("--ink", choices=["auto", "dark", "bright"], default="auto",
                          help="ink darker or lighter than the background (auto: guess per image)")
    classify.add_argument("--json", action="store_true", help="one JSON object per image")
    classify.set_defaults(handler=classify_command)
    return parser


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
    try:
        return args.handler(args)
    except (UsageError, ModelError, ImageError, ValueError) as exc:
        print(f"camdigit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("camdigit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
