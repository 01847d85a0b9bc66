"""Property-based: any image through find + preprocess + classify, no exception, sane output."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camdigit.core.classifier import DigitClassifier
from camdigit.core.pipeline import Recognizer

DTYPES = [np.uint8, np.uint16, np.float32, np.float64, np.bool_]


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer(DigitClassifier(), conf=0.0, max_side=160)  # shrinks most images


@st.composite
def images(draw) -> np.ndarray:
    height = draw(st.integers(1, 300))
    width = draw(st.integers(1, 300))
    channels = draw(st.sampled_from([None, 1, 3, 4]))
    dtype = draw(st.sampled_from(DTYPES))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels is None else (height, width, channels)
    base = draw(st.sampled_from(["noise", "paper", "black", "white"]))
    if base == "noise":
        image = rng.random(shape)
    else:
        level = {"paper": 0.9, "black": 0.0, "white": 1.0}[base]
        image = np.full(shape, level) + rng.normal(0, draw(st.floats(0, 0.2)), shape)
    # Random strokes: pen-like lines and blobs of random darkness and width.
    canvas = np.ascontiguousarray(image.reshape(height, width, -1)[:, :, 0])
    for _ in range(draw(st.integers(0, 12))):
        p1 = (int(rng.integers(-20, width + 20)), int(rng.integers(-20, height + 20)))
        p2 = (int(rng.integers(-20, width + 20)), int(rng.integers(-20, height + 20)))
        cv2.line(canvas, p1, p2, float(rng.random()), int(rng.integers(1, 12)))
    image = canvas if channels is None else np.repeat(canvas[:, :, None], channels, axis=2)
    image = np.clip(image, 0.0, 1.0)
    if dtype is np.uint8:
        return (image * 255).astype(np.uint8)
    if dtype is np.uint16:
        return (image * 65535).astype(np.uint16)
    if dtype is np.bool_:
        return image > 0.5
    return image.astype(dtype)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(image=images())
def test_any_image_gives_sane_digits(recognizer, image):
    result = recognizer.process(image, "fuzz", still=True)
    d = result.detections
    height, width = image.shape[:2]
    assert d.boxes.shape == (len(d), 4)
    if len(d):
        x, y, w, h = d.boxes.T
        assert (x >= 0).all() and (y >= 0).all() and (w > 0).all() and (h > 0).all()
        assert (x + w <= width).all() and (y + h <= height).all()
    assert ((d.confidences >= 0.0) & (d.confidences <= 1.0)).all()
    assert ((d.digits >= 0) & (d.digits <= 9)).all()
    for number in result.numbers:
        assert number.text.isdigit() and len(number.text) == len(number.members)
