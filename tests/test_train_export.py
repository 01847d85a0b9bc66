"""The whole model path, small: train.py --quick, export_tflite.py, then the runtime classifier."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from benchmarks.unusual_digits import write_unusual
from camdigit.core.classifier import DigitClassifier
from camdigit.core.preprocess import normalize_digits
from camdigit.data.mnist import write_idx

from .conftest import REPO, run_python

needs_tensorflow = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is None,
    reason="needs the train extra: pip install -e '.[train]'",
)


def small_mnist(tmp_path, images: np.ndarray, labels: np.ndarray, train: int = 800):
    """A tiny MNIST folder from the fixture: the first ``train`` digits train, the rest test."""
    data = tmp_path / "mnist"
    data.mkdir()
    write_idx(data / "train-images-idx3-ubyte.gz", images[:train])
    write_idx(data / "train-labels-idx1-ubyte.gz", labels[:train])
    write_idx(data / "t10k-images-idx3-ubyte.gz", images[train:])
    write_idx(data / "t10k-labels-idx1-ubyte.gz", labels[train:])
    return data


@pytest.mark.slow
@needs_tensorflow
def test_quick_train_export_classify_round_trip(tmp_path, mnist_1000):
    images, labels = mnist_1000
    data = small_mnist(tmp_path, images, labels)
    out = tmp_path / "models"

    trained = run_python(
        "train.py",
        "--quick",
        "--data",
        str(data),
        "--out",
        str(out),
        "--seed",
        "3",
        "--batch-size",
        "32",
    )
    assert trained.returncode == 0, trained.stderr[-3000:]
    for name in ("digits.keras", "metrics.json", "confusion_matrix.png", "training_curves.png"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["training"]["quick"] is True
    assert metrics["data"] == metrics["data"] | {"train": 720, "validation": 80, "test": 200}
    assert metrics["data"]["training_crops"] > 720  # pens and negatives beside the digits
    assert metrics["training"]["mix"]["parts"]["not_a_digit"] > 0
    keras_test = metrics["keras"]["test"]
    assert keras_test["count"] == 200 and len(keras_test["per_class"]) == 11
    assert {"digit_accuracy", "rejected"} <= set(keras_test)
    held_out = metrics["keras"]["held_out"]
    assert {
        "thin",
        "marker",
        "european_1",
        "hooked_1",
        "crossed_7",
        "not_a_digit/piece",
        "not_a_digit/texture",
    } <= set(held_out)
    assert np.array(keras_test["confusion_matrix"]).sum() == 200
    assert keras_test["accuracy"] > 0.6

    exported = run_python(
        "export_tflite.py",
        "--model",
        str(out / "digits.keras"),
        "--out",
        str(out),
        "--data",
        str(data),
        "--float32",
    )
    assert exported.returncode == 0, exported.stderr[-3000:]
    assert "Saved artifact" not in exported.stdout  # converter chatter stays hidden
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["keras"]["test"]["accuracy"] == keras_test["accuracy"]  # kept beside
    int8 = metrics["tflite"]["digits_int8.tflite"]
    assert int8["input_type"] == "int8"
    assert abs(int8["delta_vs_keras_points"]) <= 2.0
    assert metrics["tflite"]["digits_float32.tflite"]["input_type"] == "float32"

    classifier = DigitClassifier(out / "digits_int8.tflite")
    assert classifier.classes == 11 and classifier.outputs_logits  # logits out, int8 kept
    assert classifier.input_type == "int8" and classifier.output_format.dtype == np.int8
    result = classifier.classify(normalize_digits(images[800:], ink="bright"))
    # "right" counts a "not a digit" answer as an error; the digits alone, the likeliest digit
    accuracy = float((result.logits.argmax(axis=1) == labels[800:]).mean())
    assert accuracy == pytest.approx(int8["test"]["accuracy"], abs=1e-9)
    assert float((result.digits == labels[800:]).mean()) == pytest.approx(
        int8["test"]["digit_accuracy"], abs=1e-9
    )
    assert accuracy > 0.6


@pytest.mark.slow
@needs_tensorflow
def test_export_without_calibration_images_says_what_to_do(tmp_path):
    result = run_python(
        "export_tflite.py", "--calibration", str(tmp_path), "--no-eval", "--out", str(tmp_path)
    )
    assert result.returncode == 2
    assert "no calibration images in" in result.stderr
    assert "--rebuild-calibration" in result.stderr
    assert "Traceback" not in result.stderr


def test_calibration_set_is_committed_and_normalized():
    paths = sorted((REPO / "calibration").rglob("*.png"))
    assert len(paths) >= 300
    assert {p.parent.name for p in paths} == {str(d) for d in range(10)} | {"not_a_digit"}


@pytest.mark.slow
@needs_tensorflow
def test_same_seed_trains_the_same_model(tmp_path, mnist_1000):
    images, labels = mnist_1000
    data = tmp_path / "mnist"
    data.mkdir()
    for split, part in (("train", slice(0, 600)), ("t10k", slice(600, 1000))):
        write_idx(data / f"{split}-images-idx3-ubyte.gz", images[part])
        write_idx(data / f"{split}-labels-idx1-ubyte.gz", labels[part])
    reports = []
    for run in ("a", "b"):
        out = tmp_path / run
        result = run_python(
            "train.py",
            "--quick",
            "--epochs",
            "2",
            "--batch-size",
            "32",
            "--seed",
            "5",
            "--data",
            str(data),
            "--out",
            str(out),
        )
        assert result.returncode == 0, result.stderr[-3000:]
        metrics = json.loads((out / "metrics.json").read_text())
        reports.append((metrics["keras"]["test"], metrics["training"]["best_val_accuracy"]))
    assert reports[0] == reports[1]


@pytest.mark.slow
@needs_tensorflow
def test_fine_tuning_on_unusual_digits_raises_their_accuracy(tmp_path, mnist_1000):
    mine = tmp_path / "mine"
    write_unusual(mine, count=60, seed=7)
    images, labels = mnist_1000
    data = small_mnist(tmp_path, images, labels)
    out = tmp_path / "tuned"
    result = run_python(
        "train.py",
        "--quick",
        "--data",
        str(data),
        "--out",
        str(out),
        "--extra",
        str(mine),
        "--fine-tune",
        str(REPO / "models" / "digits.keras"),
        "--batch-size",
        "32",
        "--seed",
        "2",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    extra = json.loads((out / "metrics.json").read_text())["extra"]
    assert extra["holdout"] == 36 and extra["train"] == 84
    # The shipped model reads most European 1s as 7s; after fine-tuning it reads them.
    assert extra["holdout_accuracy_before"] <= 0.75
    assert extra["holdout_accuracy_after"] >= 0.9
    assert extra["holdout_accuracy_after"] >= extra["holdout_accuracy_before"] + 0.2
    assert "your digits (held out, 36)" in result.stderr


def test_a_quick_smoke_run_writes_to_a_scratch_folder_unless_told(tmp_path):
    """``train.py --quick`` must never replace the shipped model and its figures."""
    import train

    quick = train.parse_args(["--quick"])
    assert quick.out != REPO / "models" and quick.out.is_dir() and not any(quick.out.iterdir())
    assert train.parse_args([]).out == REPO / "models"
    assert train.parse_args(["--quick", "--out", str(tmp_path)]).out == tmp_path


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("fpu sse2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8", True),
        ("fpu sse2 avx2 avx512f avx512_bf16", False),  # bfloat16 vectors, no AMX tiles
        ("fp asimd evtstrm aes pmull sha1 sha2 crc32", False),  # a Raspberry Pi's CPU
    ],
)
def test_bfloat16_training_is_picked_only_on_amx_cpus(tmp_path, flags, expected):
    from camdigit.machine import has_bfloat16_matrix_units

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: some CPU\nflags\t\t: {flags}\n\n")
    assert has_bfloat16_matrix_units(cpuinfo) is expected
    assert has_bfloat16_matrix_units(tmp_path / "missing") is False


def test_the_precision_flag_resolves_auto_and_keeps_a_forced_choice():
    import train

    assert train.parse_args(["--quick"]).precision in ("float32", "bfloat16")
    assert train.parse_args(["--quick", "--precision", "float32"]).precision == "float32"
    assert train.parse_args(["--quick", "--precision", "bfloat16"]).precision == "bfloat16"


@needs_tensorflow
def test_a_model_trained_mixed_exports_as_the_same_float32_network():
    """The weights of a mixed-bfloat16 model copied into the float32 build give the same
    logits up to bfloat16's rounding, and the float32 build computes in float32 throughout."""
    import train
    from camdigit.training.model import build_model

    mixed = build_model(policy="mixed_bfloat16")
    assert mixed.layers[-1].compute_dtype == "float32"  # logits kept in float32 for the loss
    assert mixed.layers[1].compute_dtype == "bfloat16"
    plain = build_model()
    assert train.same_layout(mixed, plain)
    assert not train.same_layout(build_model(classes=10), plain)
    plain = train.with_weights(plain, mixed)
    assert {layer.compute_dtype for layer in plain.layers} == {"float32"}
    with np.load(REPO / "tests" / "fixtures" / "mnist_test_1000.npz") as data:
        x = normalize_digits(data["images"][:32], ink="bright")[..., None].astype(np.float32)
    mixed_logits = mixed.predict(x, verbose=0)
    plain_logits = plain.predict(x, verbose=0)
    assert plain_logits.dtype == np.float32
    spread = np.abs(plain_logits).max()
    assert spread > 0 and np.abs(mixed_logits - plain_logits).max() < 0.05 * spread


@needs_tensorflow
def test_a_line_stub_crosses_the_digits_ink_box_of_the_chosen_share(mnist_1000):
    """The augmentation's ruled or grid line: straight, nearly horizontal or vertical, across
    the ink's box, on about the asked share of the batch and on no image when the share is 0."""
    import tensorflow as tf

    from camdigit.training.augment import _line_through

    images = normalize_digits(mnist_1000[0][:200], ink="bright")[..., None] / 255.0
    x = tf.constant(images, tf.float32)
    seed = tf.constant([3, 4], tf.int64)
    lined = _line_through(x, seed, 0.5).numpy()
    assert np.array_equal(_line_through(x, seed, 0.0).numpy(), images.astype(np.float32))
    changed = np.abs(lined - images).max(axis=(1, 2, 3)) > 0.2
    assert 0.4 <= changed.mean() <= 0.6
    for before, after in zip(images[changed, ..., 0], lined[changed, ..., 0], strict=True):
        added = (after - before) > 0.2
        ys, xs = np.nonzero(added)
        ink_ys, ink_xs = np.nonzero(before > 0.3)
        horizontal = np.ptp(xs) > np.ptp(ys)
        spread, thickness = sorted((np.ptp(xs), np.ptp(ys)), reverse=True)
        box = np.ptp(ink_xs) if horizontal else np.ptp(ink_ys)  # the ink's extent along it
        assert thickness <= 0.08 * spread + 5  # a straight stroke, near an axis
        assert spread >= 0.9 * box  # across the whole box
        assert np.abs(after - before).max() <= 1.0 and after.max() <= 1.0
