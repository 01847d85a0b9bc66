"""``camdigit report``: counts, statistics and charts of a labelled digit set, and the digits the
model finds least typical (a planted mislabelled one among the first)."""

from __future__ import annotations

import argparse
import re
import sys
import time

import cv2
import numpy as np
import pytest

from camdigit.cli import main
from camdigit.commands.report_charts import FIGURES, MATPLOTLIB_MISSING, write_charts
from camdigit.commands.report_statistics import (
    Readings,
    digit_statistics,
    label_log_odds,
    least_typical,
)
from camdigit.core.classifier import Classification
from camdigit.data.datasets import load_labelled_digits
from camdigit.data.mnist import DEFAULT_DATA_DIR, write_idx

PER_CLASS = 8
RARE_DIGIT, RARE_COUNT = 3, 3


def run_report(argv: list[str]) -> int:
    """``camdigit report ARGV`` through the real command line (one-line errors: exit 2)."""
    return main(["report", *argv])


@pytest.fixture
def digit_folder(tmp_path, mnist_1000):
    """DIR/<digit>/*.png: PER_CLASS of each digit (RARE_COUNT of RARE_DIGIT), dark ink on white
    as a camera sees it, plus a 1 filed under 8 as 8/planted.png."""
    images, labels = mnist_1000
    folder = tmp_path / "digits"
    counts = {}
    for digit in range(10):
        want = RARE_COUNT if digit == RARE_DIGIT else PER_CLASS
        chosen = np.flatnonzero(labels == digit)[:want]
        (folder / str(digit)).mkdir(parents=True)
        for i in chosen:
            cv2.imwrite(str(folder / str(digit) / f"{i:04d}.png"), 255 - images[i])
        counts[digit] = want
    one = np.flatnonzero(labels == 1)[PER_CLASS]  # not among the 1s above
    cv2.imwrite(str(folder / "8" / "planted.png"), 255 - images[one])
    counts[8] += 1
    return folder, counts


def _table_counts(markdown: str) -> dict[int, int]:
    rows = re.findall(r"^\| (\d) \| (\d+) \| [\d.]+% \|", markdown, flags=re.MULTILINE)
    return {int(d): int(n) for d, n in rows}


def _outlier_rows(markdown: str) -> list[tuple[str, int, int]]:
    rows = re.findall(r"^\| (\d+) \| `([^`]+)` \| (\d) \| (\d) \|", markdown, flags=re.MULTILINE)
    return [(name, int(label), int(read)) for _, name, label, read in rows]


def test_report_on_a_folder(digit_folder, tmp_path, capsys):
    folder, counts = digit_folder
    out = tmp_path / "out"
    assert run_report([str(folder), "--out", str(out), "--outliers", "12"]) == 0
    printed = capsys.readouterr().out
    total = sum(counts.values())
    assert str(out) in printed and f"{total} digits" in printed and "accuracy" in printed

    markdown = (out / "report.md").read_text()
    assert _table_counts(markdown) == counts
    assert f"Digits: {total}" in markdown
    ratio = max(counts.values()) / min(counts.values())
    assert f"Imbalance (most / least common): {ratio:.2f}" in markdown
    right = re.search(r"accuracy on this set: [\d.]+% \((\d+) of (\d+)", markdown)
    assert right and int(right.group(2)) == total and int(right.group(1)) >= total - 3

    outliers = _outlier_rows(markdown)
    assert len(outliers) == 10
    assert ("8/planted.png", 8, 1) in outliers[:3]  # the 1 filed under 8, read as a 1

    for name in FIGURES:
        image = cv2.imread(str(out / name))
        assert image is not None and image.shape[0] > 100 and image.shape[1] > 300, name
        assert f"]({name})" in markdown


def test_mean_image_has_its_ink_where_the_class_has_it(digit_folder):
    folder, counts = digit_folder
    digits = load_labelled_digits(folder)
    stats = digit_statistics(digits.images, digits.labels.astype(np.int64))
    assert stats.counts.tolist() == [counts[d] for d in range(10)]
    one = stats.mean[1]
    assert one[:, 28:36].mean() > 4 * one[:, :10].mean() + 1  # a 1 is a central stroke
    zero = stats.mean[0]
    ring = zero[12:52, 12:52].mean()
    assert zero[28:36, 28:36].mean() < 0.5 * ring  # a 0 is hollow
    assert (stats.std >= 0).all() and stats.std[1].max() > 0


def test_statistics_match_plain_numpy():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (50, 64, 64), dtype=np.uint8)
    images[rng.random(images.shape) < 0.7] = 0
    labels = rng.integers(0, 9, 50)  # no 9: a class with no digits
    stats = digit_statistics(images, labels, chunk=16)
    for d in range(9):
        own = images[labels == d].astype(np.float64)
        assert stats.counts[d] == len(own)
        np.testing.assert_allclose(stats.mean[d], own.mean(axis=0), rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(stats.std[d], own.std(axis=0), rtol=1e-4, atol=1e-2)
        assert stats.mean_ink[d] == pytest.approx(own.mean() / 255)
        assert stats.coverage[d] == pytest.approx((own > 51).mean())
    assert stats.counts[9] == 0 and not stats.mean[9].any()
    assert stats.imbalance() == float("inf")
    np.testing.assert_array_equal(stats.histogram, np.bincount(images.ravel(), minlength=256))


def test_least_typical_ranks_by_own_label_log_odds():
    logits = np.zeros((4, 10), np.float32)
    logits[0, 1] = 20.0  # label 1, read 1 far ahead: typical
    logits[1, [1, 7]] = (5.0, 8.0)  # label 1, read as 7
    logits[2, [1, 3]] = (0.0, 15.0)  # label 1, read as 3 by far: the least typical
    logits[3, 1] = 9.0  # label 1, read 1, less far ahead than row 0
    labels = np.ones(4, np.int64)
    odds = label_log_odds(logits, labels)
    rest = np.log(np.exp(np.delete(logits, 1, axis=1).astype(np.float64)).sum(axis=1))
    np.testing.assert_allclose(odds, logits[:, 1] - rest)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    readings = Readings(Classification.from_probabilities(probabilities), odds)
    assert least_typical(readings, 3).tolist() == [2, 1, 3]


def test_report_on_mnist_files_and_a_csv_table(tmp_path, mnist_1000, capsys):
    images, labels = mnist_1000
    mnist = tmp_path / "mnist"
    mnist.mkdir()
    write_idx(mnist / "t10k-images-idx3-ubyte.gz", images[:300])
    write_idx(mnist / "t10k-labels-idx1-ubyte.gz", labels[:300])
    out = tmp_path / "m"
    assert run_report(["--mnist", "--split", "test", "--data", str(mnist), "--out", str(out)]) == 0
    markdown = (out / "report.md").read_text()
    assert _table_counts(markdown) == {d: int((labels[:300] == d).sum()) for d in range(10)}
    assert "`test #" in markdown
    assert "300 digits" in capsys.readouterr().out

    rows = ["image,label"]
    for i in range(20):
        cv2.imwrite(str(tmp_path / f"d{i}.png"), 255 - images[i])
        rows.append(f"d{i}.png,{labels[i]}")
    table = tmp_path / "digits.csv"
    table.write_text("\n".join(rows) + "\n")
    assert run_report([str(table), "--out", str(tmp_path / "c")]) == 0
    markdown = (tmp_path / "c" / "report.md").read_text()
    assert sum(_table_counts(markdown).values()) == 20
    assert any(
        name.startswith("d") and name.endswith(".png") for name, _, _ in _outlier_rows(markdown)
    )


def test_the_charts_are_pngs_drawn_with_matplotlib(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (14, 64, 64), dtype=np.uint8)
    labels = np.arange(14) % 9  # no 9: a class with no digits
    stats = digit_statistics(images, labels)
    reading = Classification.from_probabilities(rng.dirichlet(np.ones(10), 14).astype(np.float32))
    names = [f"#{i}" for i in range(14)]
    write_charts(tmp_path, stats, images, labels, reading, np.arange(12), names)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FIGURES)
    for name in FIGURES:
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and b"Matplotlib" in data, name
        image = cv2.imread(str(tmp_path / name))
        assert image is not None and image.shape[0] > 100 and image.shape[1] > 300, name


def test_without_matplotlib_the_report_is_refused_in_one_line_before_any_work(
    digit_folder, tmp_path, capsys, monkeypatch
):
    folder, _ = digit_folder
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib: ImportError
    _no_work(monkeypatch)
    out = tmp_path / "out"
    assert run_report([str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"camdigit: error: {MATPLOTLIB_MISSING}\n"
    assert "pip install 'camdigit[train]'" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing_folder"], "digits not found"),
        (["DIGITS", "--mnist"], "not both"),
        (["DIGITS", "--outliers", "0"], "--outliers must be at least 1"),
        (["DIGITS", "--out", "FILE"], "is a file"),
        (["--mnist", "--data", "no_mnist_here"], "not found"),
    ],
)
def test_bad_inputs_are_one_line_errors(digit_folder, tmp_path, capsys, monkeypatch, args, message):
    folder, _ = digit_folder
    (tmp_path / "FILE").write_text("a file")
    monkeypatch.chdir(tmp_path)
    argv = [str(folder) if a == "DIGITS" else a for a in args]
    assert run_report(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def _no_work(monkeypatch) -> None:
    """Make loading the model or the digits fail the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("work was done before the refusal")

    monkeypatch.setattr("camdigit.commands.report.DigitClassifier", refuse)
    monkeypatch.setattr("camdigit.commands.report.load_digits", refuse)


@pytest.mark.parametrize("earlier", ["report.md", "pixels.png"])
def test_an_earlier_report_is_refused_before_any_work(
    digit_folder, tmp_path, capsys, monkeypatch, earlier
):
    folder, _ = digit_folder
    out = tmp_path / "out"
    out.mkdir()
    (out / earlier).write_bytes(b"earlier")
    _no_work(monkeypatch)
    assert run_report([str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"camdigit: error: --out {out / earlier} exists: give another folder, or "
        f"--overwrite to replace the report there"
    )
    assert [p.name for p in out.iterdir()] == [earlier]
    assert (out / earlier).read_bytes() == b"earlier"


def test_overwrite_replaces_the_report_and_leaves_other_files(digit_folder, tmp_path, capsys):
    folder, counts = digit_folder
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.md").write_text("earlier")
    (out / "notes.txt").write_text("mine")
    assert run_report([str(folder), "--out", str(out), "--overwrite"]) == 0
    assert _table_counts((out / "report.md").read_text()) == counts
    assert (out / "notes.txt").read_text() == "mine"
    assert all(cv2.imread(str(out / name)) is not None for name in FIGURES)


def test_a_report_in_its_data_folder_never_replaces_an_input(
    digit_folder, tmp_path, capsys, monkeypatch, mnist_1000
):
    folder, counts = digit_folder
    # The charts beside the digit folders are no digits (no label): a report there can be
    # replaced, and the set it reads stays the same.
    assert run_report([str(folder), "--out", str(folder)]) == 0
    assert run_report([str(folder), "--out", str(folder), "--overwrite"]) == 0
    assert _table_counts((folder / "report.md").read_text()) == counts

    # In a digit folder, a chart would replace a digit of the set: refused, --overwrite or not.
    images, labels = mnist_1000
    eight = folder / "8" / "pixels.png"
    cv2.imwrite(str(eight), 255 - images[np.flatnonzero(labels == 8)[-1]])
    inputs = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    _no_work(monkeypatch)
    capsys.readouterr()
    for extra in ([], ["--overwrite"]):
        assert run_report([str(folder), "--out", str(folder / "8"), *extra]) == 2
        err = capsys.readouterr().err.strip()
        assert err == (
            f"camdigit: error: --out {eight} is an input: give another folder, so "
            f"that it is not replaced by the report"
        )
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == inputs

    # A table's images, wherever they are.
    cv2.imwrite(str(tmp_path / "outliers.png"), 255 - images[0])
    table = tmp_path / "digits.csv"
    table.write_text(f"image,label\noutliers.png,{labels[0]}\n")
    assert run_report([str(table), "--out", str(tmp_path), "--overwrite"]) == 2
    assert "outliers.png is an input" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(
    not (DEFAULT_DATA_DIR / "train-labels-idx1-ubyte.gz").exists(),
    reason="MNIST IDX files not found (set CAMDIGIT_DATA to their parent folder)",
)
def test_mnist_train_in_well_under_a_minute(tmp_path, capsys):
    start = time.perf_counter()
    assert run_report(["--out", str(tmp_path / "r"), "--threads", "2"]) == 0
    seconds = time.perf_counter() - start
    assert "60000 digits" in capsys.readouterr().out
    assert seconds < 30, f"{seconds:.1f} s"


def test_registered_in_camdigit_cli(digit_folder, tmp_path):
    """Runs once ``report`` is wired into camdigit.cli (skipped before)."""
    from camdigit import cli

    commands = next(
        a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    )
    if "report" not in commands.choices:
        pytest.skip("report is not registered in camdigit.cli yet")
    folder, _ = digit_folder
    assert cli.main(["report", str(folder), "--out", str(tmp_path / "r")]) == 0
    assert cli.main(["report", str(tmp_path / "missing")]) == 2
