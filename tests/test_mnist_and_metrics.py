"""IDX reading and the classification figures."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from camdigit.data.metrics import classification_report, confusion_matrix
from camdigit.data.mnist import DataError, load_mnist, read_idx, write_idx


def test_idx_round_trip_gzipped_and_plain(tmp_path, mnist_1000):
    images, labels = mnist_1000
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images[:10])
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels[:10])
    test = load_mnist(tmp_path, "test")
    np.testing.assert_array_equal(test.images, images[:10])
    np.testing.assert_array_equal(test.labels, labels[:10])
    assert len(test) == 10


def test_idx_header_is_the_standard_one(tmp_path):
    path = tmp_path / "x-idx1-ubyte.gz"
    write_idx(path, np.arange(5, dtype=np.uint8))
    with gzip.open(path) as f:
        raw = f.read()
    assert raw[:8] == bytes([0, 0, 8, 1, 0, 0, 0, 5])


def test_truncated_and_missing_idx_files_are_named(tmp_path, mnist_1000):
    path = tmp_path / "t10k-images-idx3-ubyte"
    write_idx(path, mnist_1000[0][:4])
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DataError, match="truncated"):
        read_idx(path)
    path.unlink()
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.*not found.*--data"):
        load_mnist(tmp_path, "test")
    (tmp_path / "junk").write_bytes(b"hello world")
    with pytest.raises(DataError, match="not an unsigned-byte IDX"):
        read_idx(tmp_path / "junk")


def test_classification_report_figures():
    truth = np.array([0, 0, 1, 1, 1, 2])
    predicted = np.array([0, 1, 1, 1, 2, 2])
    report = classification_report(truth, predicted, classes=3)
    assert report["accuracy"] == pytest.approx(4 / 6, abs=1e-6)
    assert report["errors"] == 2
    assert report["confusion_matrix"] == [[1, 1, 0], [0, 2, 1], [0, 0, 1]]
    one = report["per_class"]["1"]
    assert one["precision"] == pytest.approx(2 / 3, abs=1e-6)
    assert one["recall"] == pytest.approx(2 / 3, abs=1e-6)
    assert report["per_class"]["2"]["precision"] == pytest.approx(0.5)
    assert report["per_class"]["2"]["f1"] == pytest.approx(2 * 0.5 * 1 / 1.5, abs=1e-6)
    assert confusion_matrix(truth, predicted, 3).sum() == 6
