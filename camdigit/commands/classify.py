"""``camdigit classify``: images that each hold one digit (default: the bundled samples)."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from camdigit.commands.options import HelpFormatter, add_model_options, check_common_flags
from camdigit.core.classifier import DigitClassifier
from camdigit.core.pipeline import DEFAULT_MIN_DIGIT, Recognizer
from camdigit.core.preprocess import SINGLE_DIGIT_SIDE, guess_ink, normalize_digit
from camdigit.errors import UsageError
from camdigit.io.images import ImageError, read_image

SAMPLE_DIGITS = Path(__file__).resolve().parent.parent / "samples" / "digits"


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


def _warn_if_a_page(path: Path, image, classifier: DigitClassifier) -> None:
    """``classify`` reads an image as one digit; a page of several gets a pointer to ``run``.
    A digit-sized image is no page: it is not searched (a folder of crops costs no more)."""
    if max(image.shape[:2]) <= SINGLE_DIGIT_SIDE:
        return
    found = len(Recognizer(classifier).process(image, str(path), still=True).detections)
    if found >= 2:
        logging.getLogger("camdigit").warning(
            "%s holds %d digits, but classify reads each image as one digit: use "
            "'camdigit run %s' to read them all",
            path,
            found,
            path,
        )


def classify_command(args: argparse.Namespace) -> int:
    check_common_flags(args)
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
        _warn_if_a_page(path, image, classifier)
    if not crops:
        raise ImageError("none of the images could be read")

    import numpy as np

    result = classifier.classify(np.stack(crops))
    right = known = 0
    for path, digit, confidence, is_digit in zip(
        kept, result.digits, result.confidences, result.is_digit, strict=True
    ):
        truth = _truth_from_name(path) if not args.images else None
        if truth is not None:
            known += 1
            right += int(truth == digit)
        if args.json:
            record = {
                "file": str(path),
                "digit": int(digit),
                "confidence": float(confidence),
                "is_digit": round(float(is_digit), 4),
            }
            if truth is not None:
                record["truth"] = truth
            print(json.dumps(record), flush=True)
        else:
            mark = "" if truth is None else ("  ok" if truth == digit else f"  WRONG (is {truth})")
            judged = (
                ""
                if is_digit >= DEFAULT_MIN_DIGIT
                else f"  (not a digit? the model gives it {is_digit:.3f})"
            )
            print(f"{path.name}: {digit}  ({confidence:.3f}){mark}{judged}", flush=True)
    if known and not args.json:
        print(
            f"{right}/{known} bundled sample digits read right "
            f"with {classifier.path.name} ({classifier.input_type})"
        )
    return 1 if failures else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``classify`` to the command line's subcommands."""
    classify = subparsers.add_parser(
        "classify",
        formatter_class=HelpFormatter,
        help="classify single-digit images (default: the bundled sample digits)",
        description="Classify images that each hold one digit. With no IMAGE, classifies the "
        "bundled sample digits (MNIST test digits) and checks the answers.",
    )
    classify.add_argument("images", nargs="*", metavar="IMAGE", help="image files, one digit each")
    add_model_options(classify)
    classify.add_argument(
        "--ink",
        choices=["auto", "dark", "bright"],
        default="auto",
        help="ink darker or lighter than the background (auto: guess per image)",
    )
    classify.add_argument("--json", action="store_true", help="one JSON object per image")
    classify.set_defaults(handler=classify_command)
