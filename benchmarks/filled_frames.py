"""Numbers and digits filling the frame: real photos cropped to their writing, lone digits.

    python -m benchmarks.filled_frames                       # every margin
    python -m benchmarks.filled_frames --margins 0 -0.08 --per-photo
    python -m benchmarks.filled_frames --digits 300 --no-photos
    python -m benchmarks.filled_frames --video 10 --digits 0    # a steady camera's frames

A camera held close to a number frames it tight: the outer digits reach the frame's border, or
the border cuts a sliver off them. Each development photo whose digits the original reads all
right (and nothing else) is cropped to the union of those digits' boxes, widened by ``margin``
times their median height on every side (0: the outer digits' ink touches the border; below 0:
the border cuts that share of a digit's height off them), and read as a still with ``camdigit
run``'s own code, scored as the real photos are (multisets per photo). A photo is *whole* when
every digit is read and nothing else reported. A crop too small to hold the digits at all
(a cut past a quarter of a digit) is not a number anyone would expect read.

Lone digits: MNIST test digits (the test set, or the test fixture's 1,000 without it) drawn as
a ballpoint (MNIST's own stroke, scaled), a thin pen and a marker (:mod:`camdigit.training.pens`)
100-200 px tall, dark on grey paper with a sensor's noise, each cropped to its ink with the same
margins: a digit held close to a webcam, filling the frame. A digit is read when the still's
reading is that digit alone.

With ``--video N`` each crop is read as N frames of a steady camera instead (the crop with a
sensor's fresh noise each frame, through the tracker as ``camdigit run`` reads a video), and
scored on its last frame: what a user holding a camera still over a number sees.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from benchmarks.frames import ArraySource, Collected, read_still
from benchmarks.matching import PhotoScore, score_photo
from benchmarks.photos import PhotoResult, default_photos, photos_missing, read_photos
from benchmarks.run import add_data_option, load_digits
from camdigit.core.classifier import DigitClassifier
from camdigit.core.detections import FrameResult
from camdigit.core.pipeline import DEFAULT_MIN_DIGIT, Recognizer
from camdigit.data.mnist import DataError
from camdigit.io.runner import run
from camdigit.training.pens import redraw

MARGINS = (0.3, 0.1, 0.05, 0.0, -0.03, -0.08, -0.15)
"""Margins around the digits, in their median height (below 0: cut by the border)."""


def filled_crop(image: np.ndarray, boxes: np.ndarray, margin: float) -> np.ndarray:
    """``image`` cropped to the union of ``boxes`` ((N, 4) x, y, w, h) widened by ``margin``
    times their median height on every side (narrowed where ``margin`` is below 0), within
    the image."""
    pad = int(round(margin * float(np.median(boxes[:, 3]))))
    x0 = max(0, int(boxes[:, 0].min()) - pad)
    y0 = max(0, int(boxes[:, 1].min()) - pad)
    x1 = min(image.shape[1], int((boxes[:, 0] + boxes[:, 2]).max()) + pad)
    y1 = min(image.shape[0], int((boxes[:, 1] + boxes[:, 3]).max()) + pad)
    return image[y0:y1, x0:x1].copy()


PENS = ("ballpoint", "thin", "marker")
"""The pens lone digits are drawn with."""

PAPER, INK, NOISE = 215.0, 175.0, 2.0
"""The paper's grey, the ink's depth below it at full strength, the sensor's noise (sigma)."""


def lone_digit(
    digit: np.ndarray, pen: str, height: float, margin: float, rng: np.random.Generator
) -> np.ndarray:
    """One MNIST ``digit`` (28x28, ink bright) drawn with ``pen`` (:data:`PENS`) ``height`` px
    tall, dark on grey paper with noise, cropped to its ink widened by ``margin`` times its
    height on every side (below 0: cut, a quarter of its width at most on the left and right):
    (H, W) uint8."""
    if pen == "ballpoint":
        ink = digit.astype(np.float32) / 255.0
    else:
        ink = redraw(rng, digit[None], pen)[0]
    ys, xs = np.nonzero(ink > 0.25)
    if not len(ys):
        raise ValueError("a blank digit has no ink to fill a frame with")
    ink = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = height / ink.shape[0]
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    ink = cv2.resize(ink, size, interpolation=cv2.INTER_LINEAR)
    pad = int(round(margin * size[1]))
    if pad > 0:
        ink = cv2.copyMakeBorder(ink, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0.0)
    elif pad < 0:  # a 1 narrower than the cut keeps its middle half
        side = min(-pad, ink.shape[1] // 4)
        ink = ink[-pad:pad, side : ink.shape[1] - side]
    page = PAPER - INK * np.clip(ink, 0.0, 1.0) + rng.normal(0.0, NOISE, ink.shape)
    return np.clip(page, 0, 255).astype(np.uint8)


def steady_frames(image: np.ndarray, frames: int, seed: int = 0) -> list[np.ndarray]:
    """``frames`` frames of a camera held still over ``image``: the image with a sensor's
    noise (sigma :data:`NOISE`) drawn afresh each frame."""
    rng = np.random.default_rng(seed)
    return [
        np.clip(image + rng.normal(0.0, NOISE, image.shape), 0, 255).astype(np.uint8)
        for _ in range(frames)
    ]


def read_steady(
    recognizer: Recognizer, image: np.ndarray, name: str, frames: int, seed: int = 0
) -> list[FrameResult]:
    """``image`` read as a still (``frames`` 0: one result) or as ``frames`` frames of a steady
    camera (:func:`steady_frames`) through the tracker as ``camdigit run`` reads a video (a
    result each)."""
    if not frames:
        return [read_still(recognizer, image, name)]
    collected = Collected([])
    recognizer.reset()
    run(ArraySource(steady_frames(image, frames, seed), name), recognizer, on_result=collected)
    return collected.results


def pipeline_ms(results: list[FrameResult]) -> float:
    """The pipeline's own time a frame over ``results`` (its stages' sum: no decoding or
    drawing), in milliseconds."""
    return sum(sum(r.timings.values()) for r in results) / max(1, len(results))


def lone_digits_read(
    recognizer: Recognizer,
    images: np.ndarray,
    labels: np.ndarray,
    pen: str,
    margin: float,
    seed: int = 0,
    frames: int = 0,
) -> int:
    """How many of ``images`` drawn with ``pen`` 100-200 px tall and cropped with ``margin``
    (:func:`lone_digit`) a still's reading (or a steady video's last frame, :func:`read_steady`)
    reads as that digit alone."""
    rng = np.random.default_rng(seed)
    read = 0
    for image, label in zip(images, labels, strict=True):
        page = lone_digit(image, pen, float(rng.uniform(100, 200)), margin, rng)
        frame = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
        digits = read_steady(recognizer, frame, "digit", frames)[-1].detections.digits
        read += digits.tolist() == [int(label)]
    return read


def read_exactly(photo: PhotoResult) -> bool:
    """Whether a photo's digits were all read right and nothing else reported."""
    score = photo.score
    return score.read == score.truth == score.reported


def photo_table(
    recognizer: Recognizer, folder: Path, margins: list[float], per_photo: bool, frames: int = 0
) -> None:
    """Print the photos' table: per margin, the photos read whole, digits, numbers, and the
    pipeline's milliseconds a frame (:func:`pipeline_ms`, over every frame read)."""
    originals = [p for p in read_photos(recognizer, folder) if read_exactly(p)]
    print(f"photos: {folder} ({len(originals)} read exactly as taken)")
    print(f"{'margin':>7} {'whole':>6} {'read':>7} {'precision':>9} {'numbers':>8} {'ms':>6}")
    for margin in margins:
        total, whole, lines, every = PhotoScore(), 0, [], []
        for photo in originals:
            crop = filled_crop(photo.image, photo.result.detections.boxes, margin)
            results = read_steady(recognizer, crop, photo.name, frames)
            every += results
            result = results[-1]
            score = score_photo(
                [int(d) for d in result.detections.digits],
                [n.text for n in result.numbers],
                photo.lines,
                photo.numbers,
            )
            total.add(score)
            whole += score.read == score.truth == score.reported
            lines.append(
                f"    {photo.name:<30} {crop.shape[1]}x{crop.shape[0]} read "
                f"{' '.join(n.text for n in result.numbers) or '-'} "
                f"({score.read}/{score.truth}, reported {score.reported})"
            )
        print(
            f"{margin:>7.2f} {whole:>3}/{len(originals):<2} {total.read_accuracy:>7.1%} "
            f"{total.precision:>9.1%} {total.number_accuracy:>8.1%} {pipeline_ms(every):>6.1f}"
        )
        if per_photo:
            print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--photos", type=Path, default=default_photos(), help="labelled photos")
    parser.add_argument("--no-photos", action="store_true", help="lone digits only")
    add_data_option(parser)
    parser.add_argument("--digits", type=int, default=100, help="lone digits per pen (0: none)")
    parser.add_argument("--model", type=Path, default=None, help="a .tflite digit model")
    parser.add_argument("--min-digit", type=float, default=DEFAULT_MIN_DIGIT)
    parser.add_argument("--margins", nargs="+", type=float, default=list(MARGINS))
    parser.add_argument("--per-photo", action="store_true", help="each photo's reading")
    parser.add_argument(
        "--video",
        type=int,
        default=0,
        metavar="FRAMES",
        help="read each crop as this many frames of a steady camera (0: as a still)",
    )
    args = parser.parse_args(argv)
    if args.digits < 0 or args.video < 0:
        parser.error("--digits and --video must be 0 or more")
    recognizer = Recognizer(DigitClassifier(args.model), min_digit=args.min_digit)
    if not args.no_photos:
        if photos_missing(args.photos, "benchmarks.filled_frames", ", or --no-photos"):
            return 2
        photo_table(recognizer, args.photos, args.margins, args.per_photo, args.video)
    if args.digits:
        try:
            images, labels, source = load_digits(args.data)
        except DataError as exc:
            print(f"benchmarks.filled_frames: {exc}", file=sys.stderr)
            return 2
        count = min(args.digits, len(images))
        print(f"\nlone digits filling the frame: {count} per pen from {source}, 100-200 px tall")
        print(f"{'margin':>7} " + " ".join(f"{pen:>10}" for pen in PENS))
        for margin in args.margins:
            row = [
                lone_digits_read(
                    recognizer, images[:count], labels[:count], pen, margin, frames=args.video
                )
                for pen in PENS
            ]
            print(f"{margin:>7.2f} " + " ".join(f"{r / count:>10.1%}" for r in row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
