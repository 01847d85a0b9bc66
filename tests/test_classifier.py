"""The runtime classifier: the shipped int8 model's accuracy, batching, and bad model files."""

from __future__ import annotations

import numpy as np
import pytest

from camdigit.core.classifier import Classification, DigitClassifier, ModelError
from camdigit.core.model_files import default_model_path
from camdigit.core.preprocess import normalize_digits

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def classifier() -> DigitClassifier:
    return DigitClassifier()


@pytest.fixture(scope="module")
def crops_and_labels(mnist_1000) -> tuple[np.ndarray, np.ndarray]:
    images, labels = mnist_1000
    return normalize_digits(images, ink="bright"), labels


def test_shipped_model_is_full_integer(classifier):
    assert classifier.path == default_model_path()
    assert classifier.path.name == "digits_int8.tflite"
    assert classifier.input_type == "int8"
    assert classifier.output_format.dtype == np.int8
    # Pixels 0..255 map onto int8 exactly when calibration covered the full range.
    assert classifier.input_format.scale == pytest.approx(1.0, abs=0.01)


def test_shipped_model_reads_at_least_99_percent_of_fixture(classifier, crops_and_labels):
    crops, labels = crops_and_labels
    result = classifier.classify(crops)
    accuracy = float((result.digits == labels).mean())
    assert accuracy >= 0.99, f"int8 model read {accuracy:.2%} of 1,000 MNIST test digits"


def test_dark_ink_digits_read_as_well(classifier, mnist_1000):
    images, labels = mnist_1000
    paper = np.rint(235 - images[:300].astype(np.float32) * 0.7).astype(np.uint8)
    result = classifier.classify(normalize_digits(paper, ink="dark"))
    assert float((result.digits == labels[:300]).mean()) >= 0.98


def test_probabilities_are_a_distribution(classifier, crops_and_labels):
    result = classifier.classify(crops_and_labels[0][:40])
    assert isinstance(result, Classification) and len(result) == 40
    assert result.probabilities.shape == (40, 10)
    assert np.all(result.confidences >= 0) and np.all(result.confidences <= 1)
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, atol=0.03)
    np.testing.assert_array_equal(result.digits, result.probabilities.argmax(axis=1))


def test_a_batch_is_one_interpreter_call_per_32_crops(crops_and_labels):
    classifier = DigitClassifier()
    crops = crops_and_labels[0][:64]
    single = np.concatenate([classifier.classify(crop).digits for crop in crops])
    calls = []
    for bucket in (16, 32):
        interpreter = classifier._interpreter(bucket)
        original = interpreter.invoke
        interpreter.invoke = lambda original=original, bucket=bucket: (
            calls.append(bucket) or original()
        )
    assert len(classifier.classify(crops[:32])) == 32
    assert calls == [32]  # a frame's crops: one call, not one per crop
    calls.clear()
    batched = classifier.classify(crops[:48])
    assert calls == [32, 16]
    np.testing.assert_array_equal(batched.digits, single[:48])


def test_odd_and_large_batches_match_single_crops(classifier, crops_and_labels):
    crops = crops_and_labels[0]
    whole = classifier.classify(crops)  # 1,000 crops: several 256-crop calls
    assert len(whole) == 1000
    for n in (0, 1, 3, 37):
        part = classifier.classify(crops[:n])
        np.testing.assert_array_equal(part.digits, whole.digits[:n])
        np.testing.assert_allclose(part.probabilities, whole.probabilities[:n], atol=1e-6)


def test_threads_give_the_same_answers(crops_and_labels):
    crops = crops_and_labels[0][:64]
    one = DigitClassifier(threads=1).classify(crops)
    two = DigitClassifier(threads=2).classify(crops)
    np.testing.assert_array_equal(one.digits, two.digits)


def test_bad_crops_are_refused(classifier):
    with pytest.raises(ValueError, match="uint8 of shape"):
        classifier.classify(np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="uint8 of shape"):
        classifier.classify(np.zeros((2, 64, 64), np.float32))


def test_missing_model_file_is_named(tmp_path):
    path = tmp_path / "nope.tflite"
    with pytest.raises(ModelError, match="model file not found: .*nope.tflite"):
        DigitClassifier(path)


@pytest.mark.parametrize("content", [b"", b"not a model at all", bytes(range(256)) * 64])
def test_corrupt_model_file_is_named(tmp_path, content):
    path = tmp_path / "broken.tflite"
    path.write_bytes(content)
    with pytest.raises(ModelError, match="cannot load model .*broken.tflite: not a valid TFLite"):
        DigitClassifier(path)


def test_truncated_model_file_is_named(tmp_path):
    path = tmp_path / "cut.tflite"
    path.write_bytes(default_model_path().read_bytes()[:5000])
    with pytest.raises(ModelError, match="cut.tflite"):
        DigitClassifier(path)


def test_model_with_wrong_input_shape_is_named():
    path = FIXTURES / "wrong_input_28x28.tflite"
    with pytest.raises(
        ModelError,
        match=r"wrong_input_28x28.tflite takes input of shape "
        r"\(1, 28, 28, 1\); camdigit needs \(N, 64, 64, 1\)",
    ):
        DigitClassifier(path)


def test_threads_must_be_positive():
    with pytest.raises(ValueError, match="threads must be at least 1"):
        DigitClassifier(threads=0)


# ---------------------------------------------------------------------------------------------
# Eleven classes: the digits and "not a digit"; and the older ten-class models


def test_shipped_model_judges_whether_a_crop_is_a_digit(classifier, crops_and_labels):
    assert classifier.classes == 11 and classifier.rejects and classifier.outputs_logits
    crops, labels = crops_and_labels
    result = classifier.classify(crops[:200])
    assert result.logits.shape == (200, 11) and result.is_digit.shape == (200,)
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, atol=1e-4)
    assert float(np.mean(result.is_digit >= 0.5)) >= 0.98  # MNIST digits are digits
    # a ruled line and an empty crop are not
    line = np.zeros((64, 64), np.uint8)
    line[30:34, :] = 255
    blank = np.zeros((64, 64), np.uint8)
    judged = classifier.classify(np.stack([line, blank]))
    assert np.all(judged.is_digit < 0.5)


def test_logits_give_the_softmax_and_the_reject_class_its_own_share():
    logits = np.array(
        [
            [0.0] * 10 + [np.log(9.0) + np.log(10.0)],  # p(not) = 0.9
            [5.0] + [0.0] * 9 + [-20.0],
        ],
        np.float32,
    )
    result = Classification.from_logits(logits)
    assert result.is_digit[0] == pytest.approx(0.1, abs=1e-5)
    np.testing.assert_allclose(result.probabilities[0], 0.1, atol=1e-6)  # among the digits
    assert result.digits[1] == 0 and result.is_digit[1] == pytest.approx(1.0)
    assert result.confidences[1] == pytest.approx(np.exp(5) / (np.exp(5) + 9), abs=1e-5)


def test_an_old_ten_class_model_still_reads_and_takes_every_crop_as_a_digit(crops_and_labels):
    old = DigitClassifier(FIXTURES / "digits10_int8.tflite")
    assert old.classes == 10 and not old.rejects and not old.outputs_logits
    crops, labels = crops_and_labels
    result = old.classify(crops[:300])
    assert float((result.digits == labels[:300]).mean()) >= 0.99
    assert np.all(result.is_digit == 1.0) and result.probabilities.shape == (300, 10)
