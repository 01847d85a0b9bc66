"""The real photos as other cameras and hands would take them: turned, taken sideways or upside
down, shrunk, blurred, dark, faint, in a shade, under a lamp's glare, from a moving camera.

    python -m benchmarks.photo_variants                  # every variant of photos-dev
    python -m benchmarks.photo_variants --variants turned-8 turned8 --per-photo

The twelve development photos are few; each was taken one way. A photo of the same page held a
few degrees turned, from further away, out of focus, in dim light or half in a shade, written
faint (under a lamp's glare), smeared by a camera moving while it takes the picture, or saved
as a rough JPEG is just as likely in use, and what breaks there (lines of numbers merged on a
turned sheet, a form lost when shrunk) says more about the finder and the number grouping than
one more generated family. Each variant changes the decoded photo and reads it with
``camdigit run``'s own code (:func:`benchmarks.photos.read_photos`), scored as the real photos
are (multisets per photo). A turned photo's corners are filled with its border's colour, so a
digit the turn takes out of the frame is lost: compare variants with each other and with
``original``, not with 100%.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from benchmarks.matching import PhotoScore
from benchmarks.photos import default_photos, photos_missing, read_photos
from camdigit.core.classifier import DigitClassifier
from camdigit.core.pipeline import DEFAULT_MIN_DIGIT, Recognizer

Transform = Callable[[np.ndarray], np.ndarray]


def _turned(degrees: float) -> Transform:
    def turn(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
        return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)

    return turn


def scaled(factor: float) -> Transform:
    """Resized by ``factor``: area averaging down, cubic up (a smaller camera, a sharper one)."""
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return lambda image: cv2.resize(image, None, fx=factor, fy=factor, interpolation=interpolation)


def jpeg(quality: int) -> Transform:
    """Saved as JPEG at ``quality`` and decoded again."""

    def compress(image: np.ndarray) -> np.ndarray:
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if ok else None
        if decoded is None:
            raise ValueError(f"could not round-trip a {image.shape} photo through JPEG")
        return decoded

    return compress


def _dim(image: np.ndarray) -> np.ndarray:
    """Dim light: the exposure at 60% and the tones pulled down (gamma 2.2)."""
    return (255.0 * (image / 255.0) ** 2.2 * 0.6).astype(np.uint8)


def _noisy(image: np.ndarray) -> np.ndarray:
    """A small sensor's noise: Gaussian, 10 grey levels, a fixed seed."""
    noise = np.random.default_rng(0).normal(0.0, 10.0, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def _vignetted(image: np.ndarray) -> np.ndarray:
    """A cheap lens: the corners at 55% of the centre's light."""
    h, w = image.shape[:2]
    y, x = np.mgrid[0:h, 0:w]
    r2 = ((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2
    gain = np.clip(1.0 - 0.45 * r2 / 2, 0.3, 1.0)
    return (image * (gain if image.ndim == 2 else gain[..., None])).astype(np.uint8)


def faded(image: np.ndarray, keep: float = 0.4) -> np.ndarray:
    """Faint writing (a worn whiteboard marker, a hard pencil): every pixel's distance below the
    paper's level (its 90th percentile, per colour) at ``keep`` of itself."""
    level = np.percentile(image, 90, axis=(0, 1))
    return np.clip(level - (level - image.astype(np.float32)) * keep, 0, 255).astype(np.uint8)


def _glare(image: np.ndarray) -> np.ndarray:
    """A lamp's reflection on a glossy page or a whiteboard: light added (up to 120 grey levels,
    clipped at white) in a round patch a fifth of the frame's width across, left of and above
    the middle, over the faded photo (:func:`faded`): glare is worst where the writing is
    faint already."""
    dim = faded(image).astype(np.float32)
    h, w = image.shape[:2]
    y, x = np.mgrid[0:h, 0:w]
    sigma = 0.1 * w
    spot = 120.0 * np.exp(-((x - 0.4 * w) ** 2 + (y - 0.4 * h) ** 2) / (2 * sigma**2))
    return np.clip(dim + (spot if image.ndim == 2 else spot[..., None]), 0, 255).astype(np.uint8)


def shaded(edge: float) -> Transform:
    """A hand's or a phone's shade over the photo's left half: the light there at 45%, its
    edge blurred by ``edge`` of the photo's width (Gaussian sigma; 1/40: the soft shade of a
    room's light, 1/300: the hard one of a desk lamp)."""

    def shade(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        light = np.ones((h, w), np.float32)
        light[:, : w // 2] = 0.45
        light = cv2.GaussianBlur(light, (0, 0), max(1.0, edge * w))
        return (image * (light if image.ndim == 2 else light[..., None])).astype(np.uint8)

    return shade


SENSOR_NOISE = 2.0
"""Grey levels (Gaussian sigma) of a sensor's noise on a smeared frame: the sensor adds it to
the light the motion smeared, so it is not smeared with the picture (a webcam's is 2-4)."""


def moving(length: int, degrees: float, noise: float = SENSOR_NOISE, seed: int = 0) -> Transform:
    """A camera moving while the shutter is open: each pixel the mean of ``length`` pixels
    along a line ``degrees`` anticlockwise from the horizontal (a webcam panning a quarter of
    its 640 px width a second, at a 1/20 s exposure, smears 8 px), then the sensor's ``noise``
    (drawn from ``seed``). A stroke along the motion keeps its depth; one across it is spread
    over ``length`` pixels and fades by as much."""
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2] = 1.0
    centre = (length - 1) / 2.0
    turn = cv2.getRotationMatrix2D((centre, centre), degrees, 1.0)
    kernel = cv2.warpAffine(kernel, turn, (length, length), flags=cv2.INTER_LINEAR)
    kernel /= kernel.sum()

    def smear(image: np.ndarray) -> np.ndarray:
        light = cv2.filter2D(image.astype(np.float32), -1, kernel, borderType=cv2.BORDER_REPLICATE)
        if noise > 0:
            light += np.random.default_rng(seed).normal(0.0, noise, light.shape).astype(np.float32)
        return np.clip(np.rint(light), 0, 255).astype(np.uint8)

    return smear


HAND_TURN = 6.0
"""Degrees (Gaussian sigma) a hand's motion turns from one video frame to the next: a pan
turns gradually, it does not jump to a new direction every frame."""


def hand_directions(seed: int, count: int) -> np.ndarray:
    """(count,) degrees (0-180): the direction of a hand's motion in each of ``count``
    frames, from a direction drawn from ``seed``, turning :data:`HAND_TURN` a frame."""
    rng = np.random.default_rng(seed)
    turns = np.cumsum(rng.normal(0.0, HAND_TURN, count))
    return np.mod(rng.uniform(0.0, 180.0) + turns, 180.0)


VARIANTS: dict[str, Transform] = {
    "original": lambda image: image,
    **{f"turned{d}": _turned(d) for d in (-12, -8, -4, 4, 8, 12)},
    "half": scaled(0.5),
    "x0.4": scaled(0.4),
    "x0.3": scaled(0.3),
    "double": scaled(2.0),
    "blurred": lambda image: cv2.GaussianBlur(image, (0, 0), 1.5),
    "jpeg25": jpeg(25),
    "dim": _dim,
    "noisy": _noisy,
    "vignetted": _vignetted,
    "inverted": lambda image: 255 - image,
    "faded": faded,
    "glare": _glare,
    "shaded": shaded(1 / 40),
    "shaded-hard": shaded(1 / 300),
    "moving": moving(7, 0.0),
    "moving-up": moving(7, 90.0),
    "moving-diagonal": moving(7, 45.0),
    "sideways": lambda image: cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE),
    "sideways-left": lambda image: cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE),
    "upside-down": lambda image: cv2.rotate(image, cv2.ROTATE_180),
}
"""Each variant's name and the change it makes to a decoded photo (turned: degrees
anticlockwise; x0.4, x0.3: shrunk further than half, a page seen from across a desk;
inverted: light writing on a dark ground; shaded: the left half in a shade at 45% of the
light, its edge soft, or hard; moving: a 7 px smear sideways, up or at 45
degrees; sideways: the whole photo turned a quarter clockwise, as a phone held across the page
whose orientation tag was lost gives it, sideways-left anticlockwise; upside-down: a half
turn, as a camera mounted upside down gives it)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--photos", type=Path, default=default_photos(), help="labelled photos")
    parser.add_argument("--model", type=Path, default=None, help="a .tflite digit model")
    parser.add_argument("--min-digit", type=float, default=DEFAULT_MIN_DIGIT)
    parser.add_argument(
        "--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS), metavar="NAME"
    )
    parser.add_argument("--per-photo", action="store_true", help="each photo's read/reported")
    args = parser.parse_args(argv)
    if photos_missing(args.photos, "benchmarks.photo_variants"):
        return 2
    recognizer = Recognizer(DigitClassifier(args.model), min_digit=args.min_digit)
    print(f"photos: {args.photos}")
    print(f"{'variant':<15} {'read':>7} {'precision':>9} {'numbers':>8}")
    for name in args.variants:
        photos = read_photos(recognizer, args.photos, VARIANTS[name])
        total = PhotoScore()
        for photo in photos:
            total.add(photo.score)
        print(
            f"{name:<15} {total.read_accuracy:>7.1%} {total.precision:>9.1%} "
            f"{total.number_accuracy:>8.1%}"
        )
        if args.per_photo:
            for photo in photos:
                s = photo.score
                print(f"    {photo.name:<30} read {s.read}/{s.truth}, reported {s.reported}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
