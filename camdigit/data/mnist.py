"""Read MNIST from its standard IDX files (gzipped or not), with numpy alone.

The files are those of the original release: ``train-images-idx3-ubyte(.gz)``,
``train-labels-idx1-ubyte(.gz)``, ``t10k-images-idx3-ubyte(.gz)``, ``t10k-labels-idx1-ubyte(.gz)``.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from camdigit.errors import CamdigitError

DEFAULT_DATA_DIR = (
    Path(os.environ["CAMDIGIT_DATA"]) / "mnist"
    if os.environ.get("CAMDIGIT_DATA")
    else Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"
)
"""Where MNIST is looked for when no folder is given: ``mnist`` in ``$CAMDIGIT_DATA``, else
``../shared/data/mnist`` beside a source checkout of camdigit."""

_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DataError(CamdigitError):
    """A data file is missing or not what it claims to be."""


@dataclass(frozen=True)
class DigitSet:
    """Digits and their labels: images (N, H, W) uint8 ink bright, labels (N,) uint8."""

    images: np.ndarray
    labels: np.ndarray
    source: str

    def __post_init__(self) -> None:
        if self.images.ndim != 3 or self.labels.shape != (self.images.shape[0],):
            raise ValueError(
                f"images must be (N, H, W) and labels (N,), got {self.images.shape} "
                f"and {self.labels.shape}"
            )

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def _find(data_dir: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem):
        path = data_dir / name
        if path.is_file():
            return path
    raise DataError(f"MNIST file {stem}(.gz) not found in {data_dir}: pass --data DIR")


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (unsigned-byte data) into an array of its declared shape."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{path} is not an unsigned-byte IDX file")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, np.uint8, offset=header)
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path} is truncated: header says {shape}, found {data.size} bytes")
    return data.reshape(shape)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file (gzipped when the name ends in .gz)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


def load_mnist(data_dir: Path | str, split: str) -> DigitSet:
    """Load the ``"train"`` or ``"test"`` split from a folder of IDX files."""
    data_dir = Path(data_dir)
    images_stem, labels_stem = _FILES[split]
    images = read_idx(_find(data_dir, images_stem))
    labels = read_idx(_find(data_dir, labels_stem))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(
            f"MNIST {split} files in {data_dir} do not match: images {images.shape}, "
            f"labels {labels.shape}"
        )
    return DigitSet(images, labels, f"{data_dir} ({split})")
