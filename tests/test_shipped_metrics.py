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
    assert int8["test"]["count"] == 10000
    assert int8["test"]["accuracy"] >= 0.995
    assert int8["delta_vs_keras_points"] >= -0.1
    keras = metrics["keras"]["test"]
    assert set(keras) >= {"accuracy", "per_class", "confusion_matrix"}
    assert len(keras["per_class"]) == 10
