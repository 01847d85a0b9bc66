"""Export the trained Keras model to TFLite and check every file through the runtime classifier.

    python export_tflite.py                      # models/digits_int8.tflite (full integer)
    python export_tflite.py --float32 --float16  # also the float files, for comparison
    python export_tflite.py --rebuild-calibration  # remake calibration/ from MNIST train digits

The int8 file has int8 weights and activations and integer input and output, calibrated on the
normalized crops in ``calibration/``. Each exported file is then evaluated on the MNIST test set
with :class:`camdigit.DigitClassifier`, the same code the camera path runs, and its figures are
written next to the Keras model's in ``models/metrics.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from camdigit.core.classifier import DigitClassifier, ModelError  # noqa: E402
from camdigit.core.preprocess import normalize_digits  # noqa: E402
from camdigit.data.metrics import classification_report  # noqa: E402
from camdigit.data.mnist import DEFAULT_DATA_DIR, DataError, load_mnist  # noqa: E402
from camdigit.training.sets import scores_report  # noqa: E402

log = logging.getLogger("camdigit.export")

REPO = Path(__file__).resolve().parent
CALIBRATION_PLAIN = 30  # per digit, as normalized
CALIBRATION_AUGMENTED = 20  # per digit, after the training augmentation
CALIBRATION_NEGATIVES = 100  # crops that are not a digit (class 10), every kind
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".pgm"}


class ExportError(Exception):
    """The export cannot go on; the message says why and what to do."""


@contextlib.contextmanager
def captured_output() -> Iterator[None]:
    """Silence what TensorFlow's converter prints at C level; replay it only if it fails."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace")[-4000:])
            raise
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def load_calibration(folder: Path) -> np.ndarray:
    """All images under ``folder`` (any depth) as normalized (N, 64, 64) uint8 crops.

    Normalized crops (64x64, bright ink on black, as in ``calibration/`` and as ``camdigit
    collect`` saves them) are taken as they are; other images, a user's photos of digits, go
    through the shared normalization first (their ink polarity guessed).
    """
    from camdigit.data.datasets import to_model_input
    from camdigit.io.images import ImageError, read_image

    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise ExportError(
            f"no calibration images in {folder}: run export_tflite.py --rebuild-calibration"
        )
    crops = []
    for path in paths:
        try:
            crops.append(to_model_input(read_image(path)))
        except (ImageError, ValueError) as exc:
            log.warning("skipping calibration image %s: %s", path, exc)
    if not crops:
        raise ExportError(f"no readable calibration images in {folder}")
    return np.stack(crops)


def rebuild_calibration(folder: Path, data_dir: Path, seed: int) -> int:
    """Write calibration/<digit>/*.png from MNIST *training* digits (never test digits)."""
    import tensorflow as tf

    from camdigit.training.augment import AugmentConfig, augment_batch
    from camdigit.training.negatives import NEGATIVE_KINDS, make_negatives

    train = load_mnist(data_dir, "train")
    rng = np.random.default_rng(seed)
    per_digit = CALIBRATION_PLAIN + CALIBRATION_AUGMENTED
    for digit in range(10):
        target = folder / str(digit)
        if target.is_dir():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        picked = rng.choice(np.flatnonzero(train.labels == digit), per_digit, replace=False)
        crops = normalize_digits(train.images[picked], ink="bright")
        augmented = (
            augment_batch(
                tf.constant(crops[CALIBRATION_PLAIN:, :, :, None]),
                tf.constant([seed, digit], tf.int64),
                AugmentConfig(),
            )
            .numpy()[..., 0]
            .astype(np.uint8)
        )
        crops[CALIBRATION_PLAIN:] = augmented
        for i, (index, crop) in enumerate(zip(picked, crops, strict=True)):
            kind = "aug" if i >= CALIBRATION_PLAIN else "plain"
            cv2.imwrite(str(target / f"train{index:05d}-{kind}.png"), crop)
    target = folder / "not_a_digit"
    if target.is_dir():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    negatives, kinds = make_negatives(rng, train.images, CALIBRATION_NEGATIVES)
    for i, (crop, kind) in enumerate(zip(negatives, kinds, strict=True)):
        cv2.imwrite(str(target / f"{i:03d}-{NEGATIVE_KINDS[kind]}.png"), crop)
    return 10 * per_digit + CALIBRATION_NEGATIVES


def convert(model, kind: str, calibration: np.ndarray) -> bytes:
    """Convert a Keras model to TFLite bytes: ``int8`` (full integer), ``float16``, ``float32``."""
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as saved_dir, captured_output():
        model.export(saved_dir, format="tf_saved_model")
        converter = tf.lite.TFLiteConverter.from_saved_model(saved_dir)
        if kind == "int8":

            def representative() -> Iterator[list[np.ndarray]]:
                for crop in calibration:
                    yield [crop[None, :, :, None].astype(np.float32)]

            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = representative
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
        elif kind == "float16":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        return converter.convert()


def evaluate_file(path: Path, crops: np.ndarray, labels: np.ndarray) -> dict:
    """Figures for one .tflite file, through the runtime classifier."""
    classifier = DigitClassifier(path, threads=1)
    started = time.monotonic()
    result = classifier.classify(crops)
    seconds = time.monotonic() - started
    test = classification_report(labels, result.logits.argmax(axis=1), classifier.classes)
    test.update(scores_report(result.logits, labels))
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "input_type": classifier.input_type,
        "input_quantization": [classifier.input_format.scale, classifier.input_format.zero_point],
        "classes": classifier.classes,
        "test": test,
        "eval_seconds": round(seconds, 2),
    }


def export(args: argparse.Namespace) -> dict:
    import keras

    if args.rebuild_calibration:
        count = rebuild_calibration(args.calibration, args.data, args.seed)
        log.info("wrote %d calibration crops to %s", count, args.calibration)
    calibration = load_calibration(args.calibration)
    if not args.model.is_file():
        raise ExportError(f"Keras model not found: {args.model} (run train.py first)")
    model = keras.models.load_model(args.model, compile=False)

    kinds = ["int8"] + [k for k in ("float16", "float32") if getattr(args, k)]
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in kinds:
        started = time.monotonic()
        content = convert(model, kind, calibration)
        path = args.out / f"digits_{kind}.tflite"
        path.write_bytes(content)
        written.append(path)
        log.info("wrote %s (%d bytes) in %.1f s", path, len(content), time.monotonic() - started)

    metrics_path = args.out / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    metrics["calibration"] = {
        "folder": str(args.calibration.relative_to(REPO))
        if args.calibration.is_relative_to(REPO)
        else str(args.calibration),
        "crops": int(len(calibration)),
    }
    if args.no_eval:
        metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
        return metrics

    test = load_mnist(args.data, "test")
    images, labels = test.images, test.labels
    if args.limit:
        images, labels = images[: args.limit], labels[: args.limit]
    crops = normalize_digits(images, ink="bright")
    keras_scores = model.predict(crops[..., None].astype(np.float32), batch_size=1000, verbose=0)
    keras_report = scores_report(keras_scores, labels)
    log.info("Keras float: %.4f on %d MNIST test digits", keras_report["accuracy"], len(labels))
    results = {}
    for path in written:
        figures = evaluate_file(path, crops, labels)
        figures["delta_vs_keras_points"] = round(
            100 * (figures["test"]["accuracy"] - keras_report["accuracy"]), 3
        )
        results[path.name] = figures
        log.info(
            "%s: %.4f (%+.2f points vs Keras)",
            path.name,
            figures["test"]["accuracy"],
            figures["delta_vs_keras_points"],
        )
    old = metrics.get("tflite", {})
    old.update(results)
    metrics["tflite"] = old
    metrics["tflite_evaluation"] = {
        "test_source": test.source,
        "digits": int(len(labels)),
        "keras_accuracy_same_digits": keras_report["accuracy"],
        "runtime": "camdigit.DigitClassifier (ai_edge_litert), 1 thread",
    }
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
    log.info("updated %s", metrics_path)
    return metrics


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=REPO / "models" / "digits.keras")
    parser.add_argument("--out", type=Path, default=REPO / "models", help="output folder")
    parser.add_argument(
        "--calibration",
        type=Path,
        default=REPO / "calibration",
        help="folder of digit images (any depth) for int8 calibration: "
        "calibration/, or your own from camdigit collect",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR if DEFAULT_DATA_DIR.is_dir() else None,
        help="folder with the MNIST IDX files, for evaluation",
    )
    parser.add_argument("--float16", action="store_true", help="also write digits_float16.tflite")
    parser.add_argument("--float32", action="store_true", help="also write digits_float32.tflite")
    parser.add_argument(
        "--limit", type=int, default=0, help="evaluate on the first N test digits only (0: all)"
    )
    parser.add_argument("--no-eval", action="store_true", help="skip the evaluation")
    parser.add_argument(
        "--rebuild-calibration",
        action="store_true",
        help="remake the calibration crops from MNIST training digits first",
    )
    parser.add_argument("--seed", type=int, default=1, help="for --rebuild-calibration")
    args = parser.parse_args(argv)
    if args.data is None and (args.rebuild_calibration or not args.no_eval):
        parser.error("no MNIST folder found: pass --data DIR (or --no-eval)")
    return args


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    args = parse_args(argv)
    try:
        export(args)
    except (ExportError, ModelError, DataError, OSError) as exc:
        print(f"export_tflite.py: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("export_tflite.py: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
