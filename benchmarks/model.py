"""Model benchmark: MNIST test, every pen, "not a digit", and batch latency, per .tflite file.

    python -m benchmarks.model [--data ../shared/data/mnist] [--write]

Every figure goes through :class:`camdigit.DigitClassifier`, the code the camera path runs:
normalized crops in, readings out. On the 10,000 MNIST test digits: accuracy counting a "not a
digit" answer as an error, accuracy ignoring the reject class (the likeliest digit), and the
share rejected. On held-out sets made from the test digits (:func:`camdigit.training.sets.
held_out_sets`, fixed seed): thin-pen and marker renders, European 1s, crossed 7s, and the
rejection rate of each kind of negative. Latency is the median wall time of one ``classify``
call (quantization of the input, one interpreter call, the softmax) after warm-up.
``--write`` records the figures in models/metrics.json under "benchmark".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from camdigit.core.classifier import DigitClassifier, ModelError
from camdigit.core.preprocess import normalize_digits
from camdigit.data.mnist import DEFAULT_DATA_DIR, DataError, load_mnist
from camdigit.machine import describe_machine
from camdigit.training.sets import held_out_sets, scores_report

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"


def median_ms(classifier: DigitClassifier, crops: np.ndarray, repeats: int) -> float:
    for _ in range(max(3, repeats // 10)):
        classifier.classify(crops)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        classifier.classify(crops)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def benchmark_file(
    path: Path,
    crops: np.ndarray,
    labels: np.ndarray,
    repeats: int,
    held_out: dict[str, tuple[np.ndarray, np.ndarray]],
) -> dict:
    classifier = DigitClassifier(path)
    report = scores_report(classifier.classify(crops).logits, labels)
    batch = crops[:64]
    figures: dict = {
        "file": path.name,
        "bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "classes": classifier.classes,
        "accuracy": report["accuracy"],
        "digit_accuracy": report["digit_accuracy"],
        "rejected": report["rejected"],
        "errors": int(round((1 - report["accuracy"]) * len(labels))),
        "digits": len(labels),
        "held_out": {
            name: scores_report(classifier.classify(x).logits, y)
            for name, (x, y) in held_out.items()
        },
    }
    for threads in (1, 2):
        classifier = DigitClassifier(path, threads=threads)
        per_batch = median_ms(classifier, batch, repeats)
        figures[f"batch64_ms_{threads}thread"] = round(per_batch, 3)
        figures[f"per_crop_ms_{threads}thread"] = round(per_batch / len(batch), 4)
        figures[f"batch1_ms_{threads}thread"] = round(median_ms(classifier, batch[:1], repeats), 3)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR if DEFAULT_DATA_DIR.is_dir() else None,
        help="folder with the MNIST IDX files",
    )
    parser.add_argument(
        "--models",
        type=Path,
        nargs="*",
        default=None,
        help="tflite files (default: every models/digits_*.tflite)",
    )
    parser.add_argument("--repeats", type=int, default=300, help="timed calls per figure")
    parser.add_argument("--write", action="store_true", help="record in models/metrics.json")
    args = parser.parse_args(argv)
    if args.data is None:
        parser.error("no MNIST folder found: pass --data DIR")
    files = args.models or sorted(MODELS.glob("digits_*.tflite"))
    if not files:
        parser.error("no .tflite files: run export_tflite.py first")
    try:
        test = load_mnist(args.data, "test")
    except DataError as exc:
        print(f"benchmark: error: {exc}", file=sys.stderr)
        return 2
    crops = normalize_digits(test.images, ink="bright")
    held_out = held_out_sets(test.images, test.labels)
    metrics_path = MODELS / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    keras_accuracy = metrics.get("keras", {}).get("test", {}).get("accuracy")

    machine = describe_machine()
    print(f"machine: {machine}")
    print(f"MNIST test set: {len(test)} digits from {args.data}")
    if keras_accuracy is not None:
        print(f"Keras float model (models/metrics.json): accuracy {keras_accuracy * 100:.2f}%")
    print(
        "MNIST test: 'right' counts a 'not a digit' answer as an error, 'digits' ignores the "
        "reject class; 'rejected': share answered 'not a digit'"
    )
    header = (
        f"{'file':<22}{'bytes':>9}{'right':>9}{'digits':>9}{'rejected':>9}{'vs Keras':>10}"
        f"{'b64 1t ms':>11}{'crop 1t ms':>12}{'b64 2t ms':>11}{'b1 1t ms':>10}"
    )
    print(header)
    results = []
    for path in files:
        try:
            figures = benchmark_file(path, crops, test.labels, args.repeats, held_out)
        except ModelError as exc:
            print(f"benchmark: error: {exc}", file=sys.stderr)
            return 2
        delta = (
            "" if keras_accuracy is None else f"{(figures['accuracy'] - keras_accuracy) * 100:+.2f}"
        )
        figures["delta_vs_keras_points"] = None if keras_accuracy is None else float(delta)
        results.append(figures)
        print(
            f"{path.name:<22}{figures['bytes']:>9}{figures['accuracy'] * 100:>8.2f}%"
            f"{figures['digit_accuracy'] * 100:>8.2f}%{figures['rejected'] * 100:>8.2f}%"
            f"{delta:>10}{figures['batch64_ms_1thread']:>11.2f}"
            f"{figures['per_crop_ms_1thread']:>12.4f}{figures['batch64_ms_2thread']:>11.2f}"
            f"{figures['batch1_ms_1thread']:>10.3f}"
        )
    print_held_out(results, held_out)
    if args.write:
        metrics["benchmark"] = {
            "command": " ".join(["python -m benchmarks.model", *(argv or sys.argv[1:])]),
            "machine": machine,
            "test_digits": len(test),
            "keras_accuracy": keras_accuracy,
            "files": {r["file"]: r for r in results},
        }
        metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
        print(f"recorded in {metrics_path.relative_to(REPO)}")
    return 0


def print_held_out(results: list[dict], held_out: dict) -> None:
    """One row per held-out set: read right (digits) or rejected (negatives), per file."""
    print(
        "\nHeld-out sets from MNIST test digits: digits read right (a rejection is an error); "
        "for 'not a digit' sets, the share rejected"
    )
    print(f"{'set':<24}{'crops':>7}" + "".join(f"{r['file'][:20]:>22}" for r in results))
    for name, (_, labels) in held_out.items():
        key = "rejected" if name.startswith("not_a_digit/") else "accuracy"
        print(
            f"{name:<24}{len(labels):>7}"
            + "".join(f"{r['held_out'][name][key] * 100:>21.2f}%" for r in results)
        )


if __name__ == "__main__":
    sys.exit(main())
