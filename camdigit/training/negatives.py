"""Training crops that are not one digit, for the model's 11th class ("not a digit", index 10).

The finder hands the model every ink blob it finds: halves of digits it split, two digits it
merged, letters, ruled lines, grid paper, blots, the table's texture, empty paper. A 10-class
model must call each of them some digit; with these negatives it can say "not a digit" instead.

Each kind has a function of its own that draws one raw crop. They are rendered and normalized
exactly as the runtime does, so the model learns the shapes, not a rendering difference:

* **Camera kinds** (letter, cursive, printed, doodle, line, grid, blob, texture, empty) are drawn
  as a camera sees them, dark ink on lighter grey paper with a soft light gradient and mild grain,
  20-120 px on their long side, with a finder-like margin, and normalized with
  ``normalize_digit(crop, ink="dark")``: the camera path.
* **Digit kinds** (piece, pair, neighbour) are composed from ink-bright MNIST digits. Half of
  them are normalized with ``ink="bright"`` directly, exactly as the MNIST training digits are,
  so that pieces and pairs differ from the positives only in shape; the other half
  (``CAMERA_SHARE``) are first rendered as camera crops and normalized with ``ink="dark"``, so
  that a clean background is no cue for "digit" either.

No negative may be something a person reads as one digit: pieces that keep most of a digit,
bare near-vertical bars (a "1"), pieces with a closed loop (a "0", "6" or "9") and characters
like O, l, S or Z are rejected where they are drawn, pieces that look much like some whole
MNIST digit too, and every normalized crop that came out a bare near-vertical bar is drawn
again.

The kinds are drawn by family: :mod:`camdigit.training.negative_digits` (piece, pair,
neighbour), :mod:`camdigit.training.negative_characters` (letter, printed),
:mod:`camdigit.training.negative_cursive` (cursive: letters and words written with a pen),
:mod:`camdigit.training.negative_doodles` (doodle: stars, smileys, spirals, ticks, ...) and
:mod:`camdigit.training.negative_surfaces` (line, grid, blob, texture, empty), all with the
rendering and shape checks of :mod:`camdigit.training.negative_render`. This module draws the
mix, normalizes it and writes the contact sheets.

numpy and OpenCV only (Pillow and matplotlib's DejaVu fonts when installed): no TensorFlow.

    python -m camdigit.training.negatives OUT_DIR   # a PNG sheet per kind and per pen
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from camdigit.core.preprocess import Ink, normalize_digit
from camdigit.training.negative_characters import CHARACTER_KIND_FUNCTIONS
from camdigit.training.negative_cursive import CURSIVE_KIND_FUNCTIONS
from camdigit.training.negative_digits import DIGIT_KIND_FUNCTIONS
from camdigit.training.negative_doodles import DOODLE_KIND_FUNCTIONS
from camdigit.training.negative_render import MAX_TRIES, KindFunction, camera_crop, is_bar
from camdigit.training.negative_surfaces import SURFACE_KIND_FUNCTIONS

log = logging.getLogger(__name__)

NOT_A_DIGIT = 10
"""The model's class index for every crop made here."""

NEGATIVE_KINDS: tuple[str, ...] = (
    "piece",
    "pair",
    "neighbour",
    "letter",
    "cursive",
    "printed",
    "doodle",
    "line",
    "grid",
    "blob",
    "texture",
    "empty",
)

DIGIT_KINDS = frozenset({"piece", "pair", "neighbour"})
"""Kinds composed from MNIST digits (the others need none)."""

CAMERA_SHARE = 0.5
"""Share of the digit kinds rendered as camera crops (the rest stay MNIST-style, ink bright)."""

_KIND_FUNCTIONS: dict[str, KindFunction] = {
    **DIGIT_KIND_FUNCTIONS,
    **CHARACTER_KIND_FUNCTIONS,
    **CURSIVE_KIND_FUNCTIONS,
    **DOODLE_KIND_FUNCTIONS,
    **SURFACE_KIND_FUNCTIONS,
}


# --- the public API ----------------------------------------------------------------------------


def raw_negative(rng: np.random.Generator, digits: np.ndarray, kind: str) -> tuple[np.ndarray, Ink]:
    """One raw crop of ``kind`` and its ink polarity, before normalization.

    Digit kinds come ink bright (MNIST-style) or, for ``CAMERA_SHARE`` of them, rendered as a
    camera crop (dark ink); all other kinds are camera crops.
    """
    if kind not in _KIND_FUNCTIONS:
        raise ValueError(f"unknown negative kind {kind!r}; known: {', '.join(NEGATIVE_KINDS)}")
    crop = _KIND_FUNCTIONS[kind](rng, digits)
    if kind not in DIGIT_KINDS:
        return crop, "dark"
    if rng.random() < CAMERA_SHARE:
        return camera_crop(rng, crop.astype(np.float32) * np.float32(1 / 255)), "dark"
    return crop, "bright"


def _normalized_negative(rng: np.random.Generator, digits: np.ndarray, kind: str) -> np.ndarray:
    for _ in range(MAX_TRIES):
        crop, ink = raw_negative(rng, digits, kind)
        out = normalize_digit(crop, ink=ink)
        if not is_bar(out > 128):
            return out
    raise RuntimeError(f"kind {kind!r} kept drawing bars")


def _check_arguments(
    digits: np.ndarray, count: int, kinds: Sequence[str], weights: Sequence[float] | None
) -> np.ndarray:
    """Validate the arguments; return the kind probabilities."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if len(kinds) == 0:
        raise ValueError("kinds must not be empty")
    unknown = [k for k in kinds if k not in _KIND_FUNCTIONS]
    if unknown:
        raise ValueError(f"unknown negative kind(s) {unknown}; known: {', '.join(NEGATIVE_KINDS)}")
    if DIGIT_KINDS.intersection(kinds) and (digits.ndim != 3 or len(digits) == 0):
        raise ValueError(f"digit kinds need (N, H, W) MNIST digits, got shape {digits.shape}")
    if weights is None:
        return np.full(len(kinds), 1.0 / len(kinds))
    p = np.asarray(weights, np.float64)
    if p.shape != (len(kinds),) or (p < 0).any() or p.sum() <= 0:
        raise ValueError(f"weights must be {len(kinds)} non-negative numbers, not all 0")
    return p / p.sum()


def make_negatives(
    rng: np.random.Generator,
    digits: np.ndarray,
    count: int,
    kinds: Sequence[str] = NEGATIVE_KINDS,
    weights: Sequence[float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """`count` crops that are not one digit, each normalized by normalize_digit exactly as the
    runtime normalizes camera crops; returns (uint8 (count, 64, 64), int64 kind index into kinds).
    `digits`: (N, 28, 28) uint8 MNIST images, ink bright (the TRAINING set; never the test set).

    Kinds are drawn at random with probabilities ``weights`` (equal by default); the same
    generator state gives the same crops. Label them all ``NOT_A_DIGIT``.
    """
    digits = np.asarray(digits, np.uint8)
    p = _check_arguments(digits, count, kinds, weights)
    which = rng.choice(len(kinds), size=count, p=p).astype(np.int64)
    out = np.zeros((count, 64, 64), np.uint8)
    for i, k in enumerate(which):
        out[i] = _normalized_negative(rng, digits, kinds[k])
    return out, which


# --- visual check ------------------------------------------------------------------------------


def contact_sheet(images: np.ndarray, columns: int = 8, gap: int = 2) -> np.ndarray:
    """Images (N, H, W) tiled into one uint8 sheet, on grey, ``columns`` wide."""
    n, h, w = images.shape
    rows = max(1, -(-n // columns))
    sheet = np.full((rows * (h + gap) + gap, columns * (w + gap) + gap), 96, np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        y, x = gap + r * (h + gap), gap + c * (w + gap)
        sheet[y : y + h, x : x + w] = image
    return sheet


def _raw_sheet(rng: np.random.Generator, digits: np.ndarray, kind: str, n: int) -> np.ndarray:
    """Raw crops as the camera would see them (dark ink; bright ones inverted), in 64 px cells."""
    cells = np.full((n, 64, 64), 255, np.uint8)
    for i in range(n):
        crop, ink = raw_negative(rng, digits, kind)
        if ink == "bright":
            crop = 255 - crop
        h, w = crop.shape
        scale = 64 / max(h, w)
        small = cv2.resize(crop, (max(1, round(w * scale)), max(1, round(h * scale))))
        cells[i, : small.shape[0], : small.shape[1]] = small
    return contact_sheet(cells)


def write_sheets(out: Path, digits: np.ndarray, labels: np.ndarray, seed: int = 0) -> list[Path]:
    """One PNG sheet (8x8 normalized crops) per negative kind, one raw sheet each, one per pen."""
    from camdigit.training import european_digits, pens

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written = []

    def save(name: str, sheet: np.ndarray) -> None:
        path = out / f"{name}.png"
        cv2.imwrite(str(path), sheet)
        written.append(path)

    for kind in NEGATIVE_KINDS:
        start = time.perf_counter()
        images, _ = make_negatives(rng, digits, 64, kinds=(kind,))
        log.info("%s: %.1f ms a crop", kind, 1000 * (time.perf_counter() - start) / 64)
        save(f"negative-{kind}", contact_sheet(images))
        save(f"raw-{kind}", _raw_sheet(rng, digits, kind, 32))
    some = digits[rng.choice(len(digits), 64, replace=False)]
    ones = digits[labels == 1][:64]
    sevens = digits[labels == 7][:64]
    save("pen-mnist", contact_sheet(pens.normalize_digits(some, ink="bright")))
    save("pen-thin", contact_sheet(pens.thin_pen(rng, some)))
    save("pen-marker", contact_sheet(pens.marker_pen(rng, some)))
    save("pen-european-1", contact_sheet(european_digits.european_ones(rng, ones)))
    save("pen-crossed-7", contact_sheet(european_digits.crossed_sevens(rng, sevens)))
    save("pen-hooked-1", contact_sheet(european_digits.hooked_ones(rng, ones)))
    return written


def main(argv: list[str] | None = None) -> int:
    from camdigit.data.mnist import DEFAULT_DATA_DIR, DataError, load_mnist

    parser = argparse.ArgumentParser(description="Write PNG sheets of the negatives and pens.")
    parser.add_argument("out", type=Path, help="folder for the PNG sheets")
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="folder with the MNIST IDX files (the training set is used)",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        train = load_mnist(args.data, "train")
    except DataError as exc:
        print(f"error: {exc}")
        return 2
    paths = write_sheets(args.out, train.images, train.labels, args.seed)
    print(f"wrote {len(paths)} sheets in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
