"""A user's own labelled digits: folders of images, or a table of image paths and labels.

Layouts that load (the seed's custom dataset, and what ``camdigit collect`` writes):

- folders: ``DIR/<digit>/*.png`` (any depth below the digit folder, any image format);
- a table: a ``.csv`` file with a header naming an image column (``image``, ``path`` or
  ``file``) and a label column (``label`` or ``digit``); image paths are relative to the table;
- labels in file names, for imported photos: ``7.png``, ``7_a.jpg``, ``seven-label7.png``,
  ``label_7.jpg`` (see :func:`label_from_name`).

Every image is turned into the model's 64x64 input by
:func:`camdigit.core.preprocess.normalize_digit` exactly as the camera path does; a 64x64 image
already in those units (bright ink on black, as ``collect`` saves them) is taken as it is.
"""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path

import numpy as np

from camdigit.core.preprocess import CANVAS, guess_ink, normalize_digit
from camdigit.data.mnist import DataError, DigitSet
from camdigit.io.images import ImageError, read_image, to_bgr8
from camdigit.io.sources import IMAGE_SUFFIXES

log = logging.getLogger(__name__)

_NAME_LABEL = re.compile(
    r"(?:^|[^0-9a-z])label[_-]?([0-9])(?![0-9])|^([0-9])(?:$|[^0-9])", re.IGNORECASE
)


def label_from_name(name: str) -> int | None:
    """The digit a file name states: ``7.png``, ``7_b.png``, ``x-label7.png``, ``label_7.png``."""
    match = _NAME_LABEL.search(Path(name).stem)
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


def is_normalized(image: np.ndarray) -> bool:
    """A 64x64 grey image with a black border: already the model's input (from ``collect``)."""
    if image.ndim != 2 or image.shape != (CANVAS, CANVAS) or image.dtype != np.uint8:
        return False
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    return int(border.max()) <= 16 and int(image.max()) >= 128


def to_model_input(image: np.ndarray) -> np.ndarray:
    """Any labelled digit image as the normalized 64x64 crop the model reads."""
    image = to_bgr8(image)
    if image.ndim == 3:
        import cv2

        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if is_normalized(image):
        return image
    return normalize_digit(image, ink=guess_ink(image))


def load_labelled_digits(path: Path | str) -> DigitSet:
    """Load a folder tree or a CSV table of labelled digits (see the module's docstring)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"digits not found: {path}")
    if path.is_file():
        if path.suffix.lower() != ".csv":
            raise DataError(f"{path} is not a folder or a .csv table of images and labels")
        pairs = _table_pairs(path)
    else:
        pairs = _folder_pairs(path)
    if not pairs:
        raise DataError(
            f"no labelled digit images in {path}: use DIR/<digit>/*.png, a .csv "
            f"table (image,label), or names like 7_a.png"
        )
    images, labels = [], []
    for image_path, label in pairs:
        try:
            images.append(to_model_input(read_image(image_path)))
        except (ImageError, ValueError) as exc:
            log.warning("skipping %s: %s", image_path, exc)
            continue
        labels.append(label)
    if not images:
        raise DataError(f"none of the images in {path} could be read")
    return DigitSet(np.stack(images), np.array(labels, np.uint8), str(path))


def _folder_pairs(folder: Path) -> list[tuple[Path, int]]:
    pairs = []
    for image_path in sorted(folder.rglob("*")):
        if image_path.suffix.lower() not in IMAGE_SUFFIXES or not image_path.is_file():
            continue
        relative = image_path.relative_to(folder).parts
        label = None
        for part in relative[:-1]:  # the nearest digit-named folder wins
            if part.isdigit() and len(part) == 1:
                label = int(part)
        if label is None:
            label = label_from_name(image_path.name)
        if label is None:
            log.warning("skipping %s: no label in its folder or name", image_path)
            continue
        pairs.append((image_path, label))
    return pairs


def _table_pairs(table: Path) -> list[tuple[Path, int]]:
    with table.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns = {name.strip().lower(): name for name in reader.fieldnames or []}
        image_key = next((columns[k] for k in ("image", "path", "file") if k in columns), None)
        label_key = next((columns[k] for k in ("label", "digit") if k in columns), None)
        if image_key is None or label_key is None:
            raise DataError(
                f"{table} needs an 'image' (or 'path', 'file') column and a 'label' "
                f"(or 'digit') column, found {reader.fieldnames}"
            )
        pairs = []
        for line, row in enumerate(reader, start=2):
            text = (row.get(label_key) or "").strip()
            if not (text.isdigit() and len(text) == 1):
                raise DataError(f"{table}, line {line}: label must be a digit 0-9, got {text!r}")
            pairs.append((table.parent / (row.get(image_key) or "").strip(), int(text)))
    return pairs
