"""models/metrics.json must describe the model file that is actually shipped, and meet targets."""

from __future__ import annotations

import hashlib
import json

import pytest

from .conftest import REPO

METRICS = REPO / "models" / "metrics.json"
MODEL = REPO / "models" / "digits_int8.tflite"


@pytest.fixture(scope="module")
def metrics() -> dict:
    return json.loads(METRICS.read_text())


def test_metrics_belong_to_the_shipped_model(metrics):
    int8 = metrics["tflite"]["digits_int8.tflite"]
    assert int8["sha256"] == hashlib.sha256(MODEL.read_bytes()).hexdigest()
    assert int8["bytes"] == MODEL.stat().st_size


def test_shipped_model_was_trained_on_the_full_set_and_meets_targets(metrics):
    assert metrics["training"]["quick"] is False
    assert metrics["data"]["train"] + metrics["data"]["validation"] == 60000
    assert metrics["training"]["total_seconds"] < 30 * 60
    int8 = metrics["tflite"]["digits_int8.tflite"]
    assert int8["test"]["count"] == 10000 and int8["classes"] == 11
    # right counting a "not a digit" answer as an error; the digits alone; the share rejected
    assert int8["test"]["accuracy"] >= 0.993
    assert int8["test"]["digit_accuracy"] >= 0.995
    assert int8["test"]["rejected"] <= 0.003
    assert int8["delta_vs_keras_points"] >= -0.1
    keras = metrics["keras"]["test"]
    assert set(keras) >= {"accuracy", "digit_accuracy", "rejected", "per_class", "confusion_matrix"}
    assert len(keras["per_class"]) == 11


def test_held_out_figures_of_the_shipped_int8_model(metrics):
    """Every pen and every kind of "not a digit", measured by benchmarks.model on the shipped
    int8 file, and int8 within 0.1 point of the float model on each."""
    files = metrics["benchmark"]["files"]
    int8 = files["digits_int8.tflite"]
    assert int8["sha256"] == hashlib.sha256(MODEL.read_bytes()).hexdigest()
    held = int8["held_out"]
    for name in ("european_1", "crossed_7"):
        assert held[name]["accuracy"] >= 0.97, name
    for name in ("thin", "marker"):
        assert held[name]["accuracy"] >= 0.97, name
    for kind in (
        "piece",
        "pair",
        "letter",
        "texture",
        "printed",
        "line",
        "grid",
        "blob",
        "empty",
        "neighbour",
    ):
        assert held[f"not_a_digit/{kind}"]["rejected"] >= 0.96, kind
    float32 = files["digits_float32.tflite"]["held_out"]
    for name, figures in held.items():
        key = "rejected" if name.startswith("not_a_digit/") else "accuracy"
        assert abs(figures[key] - float32[name][key]) <= 0.003, name
