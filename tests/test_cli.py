"""The ``camdigit`` command: default run on the bundled samples, and one-line errors."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from camdigit.cli import main
from camdigit.commands.classify import sample_digit_paths

from .conftest import run_python


def test_bundled_samples_exist_with_labels():
    paths = sample_digit_paths()
    assert len(paths) == 20
    assert {p.name.split("-label")[1][0] for p in paths} == set("0123456789")


def test_classify_default_reads_bundled_samples(capsys):
    assert main(["classify"]) == 0
    out = capsys.readouterr().out
    assert "20/20 bundled sample digits read right" in out


def test_classify_json_for_given_images(tmp_path, mnist_1000, capsys):
    images, labels = mnist_1000
    paths = []
    for i in range(3):
        path = tmp_path / f"digit{i}.png"
        cv2.imwrite(str(path), 255 - images[i])  # dark ink on white, polarity guessed
        paths.append(str(path))
    assert main(["classify", "--json", *paths]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["file"] for r in records] == paths
    assert [r["digit"] for r in records] == [int(x) for x in labels[:3]]
    assert all(0 <= r["confidence"] <= 1 and 0 <= r["is_digit"] <= 1 for r in records)


def test_classify_points_a_page_of_digits_to_run(tmp_path, mnist_1000, caplog):
    from benchmarks.scenes import render_scene

    page = tmp_path / "page.png"
    cv2.imwrite(
        str(page), render_scene(*mnist_1000, "clean", seed=3, size=(480, 360), digits=6).image
    )
    single = tmp_path / "one.png"
    cv2.imwrite(str(single), 255 - mnist_1000[0][0])
    with caplog.at_level("WARNING", logger="camdigit"):
        assert main(["classify", str(page), str(single)]) == 0
    assert f"camdigit run {page}" in caplog.text and "holds" in caplog.text
    assert str(single) not in caplog.text  # one digit: nothing to say


def test_unreadable_file_in_a_list_is_skipped_and_reported(tmp_path, mnist_1000, capsys):
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), mnist_1000[0][0])
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    assert main(["classify", str(good), str(bad)]) == 1
    captured = capsys.readouterr()
    assert "good.png: " in captured.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["classify", "missing.png"], "camdigit: error: image not found: missing.png"),
        (["classify", "--model", "missing.tflite"], "model file not found: missing.tflite"),
        (["classify", "--threads", "0"], "--threads must be at least 1"),
    ],
)
def test_errors_are_one_line_without_traceback(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_module_entry_point_and_bad_model_in_subprocess(tmp_path):
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(np.arange(100, dtype=np.uint8).tobytes())
    result = run_python("-m", "camdigit", "classify", "--model", str(broken))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"camdigit: error: cannot load model {broken}: not a valid TFLite model "
        "(The model is not a valid Flatbuffer buffer)"
    )
    assert "Traceback" not in result.stderr
    version = run_python("-m", "camdigit", "--version")
    assert version.returncode == 0 and version.stdout.startswith("camdigit ")
