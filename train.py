"""Train the camdigit CNN: MNIST digits in every pen, and an 11th class, "not a digit".

    python train.py                     # full run: models/digits.keras, metrics.json, PNG
    python train.py --quick --out /tmp/m  # a few hundred steps on a subset (smoke test)

Every crop, digit or not, is normalized by the runtime's own preprocessing; the training mix
(:mod:`camdigit.training.sets`) adds thin-pen and marker digits, European 1s, crossed 7s and
negatives of every kind (pieces, pairs, letters, lines, grids, blots, textures, empty paper).

Needs the ``train`` extra (TensorFlow): ``pip install -e ".[train]"``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# 3: TensorFlow's C++ log also prints harmless "E" lines (tf.data attributes) at every run
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from camdigit.core.preprocess import normalize_digits  # noqa: E402
from camdigit.data.metrics import classification_report  # noqa: E402
from camdigit.data.mnist import DEFAULT_DATA_DIR, DataError, DigitSet, load_mnist  # noqa: E402
from camdigit.machine import describe_machine, has_bfloat16_matrix_units  # noqa: E402

log = logging.getLogger("camdigit.train")

REPO = Path(__file__).resolve().parent
QUICK_TRAIN_LIMIT = 5000
QUICK_TEST_LIMIT = 2000
QUICK_STEPS = 300
QUICK_HELD_OUT = {"per_kind": 50, "pens": 200}
FINE_TUNE_EPOCHS = 4
FINE_TUNE_LEARNING_RATE = 2e-4


def load_data(data_dir: Path | None) -> tuple[DigitSet, DigitSet]:
    """MNIST train and test sets from IDX files; keras' download only when no folder is given."""
    if data_dir is not None:
        return load_mnist(data_dir, "train"), load_mnist(data_dir, "test")
    import keras

    log.info("no MNIST folder found: trying keras' own download")
    try:
        (xa, ya), (xb, yb) = keras.datasets.mnist.load_data()
    except Exception as exc:  # network errors come in many types
        raise DataError(f"no --data folder and keras could not download MNIST ({exc})") from None
    return DigitSet(xa, ya, "keras.datasets.mnist (train)"), DigitSet(xb, yb, "keras (test)")


def split_indices(
    n: int, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training digits to train on, and a random hold-out of ``fraction``."""
    order = rng.permutation(n)
    n_val = max(1, round(n * fraction))
    return order[n_val:], order[:n_val]


def train_dataset(
    x: np.ndarray, y: np.ndarray, batch: int, seed: int, augment: bool, line_stubs: float = 0.0
):
    """An endless shuffled, augmented stream of (images, one-hot) batches; ``line_stubs``: the
    share of crops given a ruled or grid line's stub (:class:`AugmentConfig` ``line_prob``)."""
    import tensorflow as tf

    from camdigit.training.augment import AugmentConfig, augment_batch
    from camdigit.training.sets import CLASSES

    cfg = AugmentConfig(line_prob=line_stubs)
    ds = tf.data.Dataset.from_tensor_slices((x[..., None], np.eye(CLASSES, dtype=np.float32)[y]))
    ds = ds.shuffle(len(y), seed=seed, reshuffle_each_iteration=True).repeat()
    ds = ds.batch(batch, drop_remainder=True).enumerate()

    def transform(index, pair):
        images, labels = pair
        if augment:
            images = augment_batch(images, tf.stack([tf.constant(seed, tf.int64), index]), cfg)
        return tf.cast(images, tf.float32), labels

    ds = ds.map(transform, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE), cfg


def make_callbacks(max_seconds: float, patience: int, learning_rate: float, decay: float):
    import keras

    class TimeBudget(keras.callbacks.Callback):
        """Stop before the next epoch would run past the time budget."""

        def on_train_begin(self, logs=None):
            self.start = time.monotonic()

        def on_epoch_end(self, epoch, logs=None):
            elapsed = time.monotonic() - self.start
            per_epoch = elapsed / (epoch + 1)
            if elapsed + per_epoch > max_seconds:
                log.info("time budget reached after epoch %d (%.0f s)", epoch + 1, elapsed)
                self.model.stop_training = True

    class EpochLog(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.monotonic()

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            log.info(
                "epoch %d: loss %.4f acc %.4f | val loss %.4f val acc %.4f | %.0f s",
                epoch + 1,
                logs.get("loss", math.nan),
                logs.get("accuracy", math.nan),
                logs.get("val_loss", math.nan),
                logs.get("val_accuracy", math.nan),
                time.monotonic() - self.start,
            )

    return [
        keras.callbacks.LearningRateScheduler(lambda epoch: learning_rate * decay**epoch),
        keras.callbacks.EarlyStopping(
            monitor="val_accuracy", patience=patience, restore_best_weights=True
        ),
        TimeBudget(),
        EpochLog(),
    ]


@dataclass(frozen=True)
class ExtraDigits:
    """A user's own digits (``--extra``), split into a training part and a held-out part."""

    train_images: np.ndarray
    train_labels: np.ndarray
    holdout_images: np.ndarray
    holdout_labels: np.ndarray
    sources: list[str]


def load_extra(paths: list[Path], holdout: float, rng: np.random.Generator) -> ExtraDigits:
    """Load every ``--extra`` set and hold out ``holdout`` of each digit's examples (at least
    one per digit that has two or more), the same way for the same ``--seed``."""
    from camdigit.data.datasets import load_labelled_digits

    sets = [load_labelled_digits(path) for path in paths]
    images = np.concatenate([s.images for s in sets])
    labels = np.concatenate([s.labels for s in sets])
    held = np.zeros(len(labels), bool)
    for digit in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == digit))
        if len(members) >= 2:
            held[members[: max(1, round(len(members) * holdout))]] = True
    log.info(
        "your digits: %d from %s, %d held out",
        len(labels),
        ", ".join(s.source for s in sets),
        int(held.sum()),
    )
    return ExtraDigits(
        images[~held], labels[~held], images[held], labels[held], [s.source for s in sets]
    )


def mix_in(
    x: np.ndarray, y: np.ndarray, extra_x: np.ndarray, extra_y: np.ndarray, share: float
) -> tuple[np.ndarray, np.ndarray]:
    """MNIST plus the user's digits repeated so they make about ``share`` of what is seen: a
    hundred digits among 54,000 would otherwise be one batch in five hundred."""
    if len(extra_y) == 0:
        return x, y
    repeats = max(1, round(share * len(y) / ((1 - share) * len(extra_y))))
    return (
        np.concatenate([x, np.repeat(extra_x, repeats, axis=0)]),
        np.concatenate([y, np.repeat(extra_y, repeats)]),
    )


def holdout_report(model, extra: ExtraDigits) -> dict | None:
    """The Keras model's figures on the held-out user digits (None when none are held out)."""
    if len(extra.holdout_labels) == 0:
        return None
    from camdigit.training.sets import CLASSES

    scores = model.predict(
        extra.holdout_images[..., None].astype(np.float32), batch_size=500, verbose=0
    )
    return classification_report(extra.holdout_labels, scores.argmax(axis=1), CLASSES)


def save_without_optimizer(model, path: Path) -> None:
    """Save the trained weights and graph, not Adam's moment estimates (two thirds of the file).

    The shipped file is for export and evaluation; a fine-tune compiles afresh anyway.
    """
    import keras

    from camdigit.training.model import compile_model

    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    compile_model(copy)
    copy.save(path)


def same_layout(a, b) -> bool:
    """Whether two Keras models hold weights of the same shapes, in the same order."""
    return [w.shape for w in a.weights] == [w.shape for w in b.weights]


def with_weights(target, source):
    """``target`` with ``source``'s weights (the same layout, any dtype policy)."""
    target.set_weights(source.get_weights())
    return target


def train(args: argparse.Namespace) -> dict:
    """Run the whole training; returns the metrics it wrote."""
    import keras
    import tensorflow as tf

    from camdigit.training.model import build_model, compile_model
    from camdigit.training.plots import save_confusion_matrix, save_training_curves
    from camdigit.training.sets import (
        CLASSES,
        MixConfig,
        held_out_sets,
        scores_report,
        training_mix,
    )

    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(args.seed)

    train_set, test_set = load_data(args.data)
    x_all, y_all = train_set.images, train_set.labels
    x_test, y_test = test_set.images, test_set.labels
    if args.quick:
        pick = rng.permutation(len(y_all))[:QUICK_TRAIN_LIMIT]
        x_all, y_all = x_all[pick], y_all[pick]
        x_test, y_test = x_test[:QUICK_TEST_LIMIT], y_test[:QUICK_TEST_LIMIT]

    started = time.monotonic()
    n_all = normalize_digits(x_all, ink="bright")
    x_test_raw = x_test
    x_test = normalize_digits(x_test, ink="bright")
    log.info(
        "normalized %d + %d digits in %.1f s", len(y_all), len(y_test), time.monotonic() - started
    )
    train_idx, val_idx = split_indices(len(y_all), args.val_fraction, rng)
    mix = MixConfig(negative_share=args.negative_share, touching_share=args.touching_cuts)
    x_train, y_train, parts = training_mix(
        rng, x_all[train_idx], y_all[train_idx], n_all[train_idx], mix
    )
    x_val, y_val, _ = training_mix(
        rng,
        x_all[val_idx],
        y_all[val_idx],
        n_all[val_idx],
        # the MNIST digits, a quarter of their 1s with a curled tail (as in the validation of
        # the trainings the README measures) and negatives; the other pens are judged on the
        # held-out sets
        MixConfig(
            thin_share=0.0,
            marker_share=0.0,
            european_share=0.0,
            crossed_share=0.0,
            touching_share=0.0,
            negative_share=args.negative_share,
        ),
    )
    # the user's held-out digits follow from the seed alone, not from how many draws the
    # generated mix above took (which changes whenever a generator or the finder's cuts do)
    split_rng = np.random.default_rng([args.seed, 1])
    extra = load_extra(args.extra, args.extra_holdout, split_rng) if args.extra else None
    if extra is not None:
        x_train, y_train = mix_in(
            x_train, y_train, extra.train_images, extra.train_labels, args.extra_share
        )

    steps = max(1, len(y_train) // args.batch_size)
    epochs = args.epochs
    if args.quick and epochs is None:
        epochs = max(1, min(10, QUICK_STEPS // steps))
    epochs = epochs or (FINE_TUNE_EPOCHS if args.fine_tune else 40)

    policy = "mixed_bfloat16" if args.precision == "bfloat16" else "float32"
    if args.fine_tune:
        if not args.fine_tune.is_file():
            raise DataError(f"model to fine-tune not found: {args.fine_tune}")
        model = keras.models.load_model(args.fine_tune)
        if policy != "float32":
            mixed = build_model(policy=policy)
            if same_layout(model, mixed):  # an older layout is tuned as it was saved
                model = with_weights(mixed, model)
        model = compile_model(model, args.learning_rate)
    else:
        model = compile_model(build_model(policy=policy), args.learning_rate)
    before = holdout_report(model, extra) if extra is not None and args.fine_tune else None
    if extra is not None and before is None and (REPO / "models" / "digits.keras").is_file():
        before = holdout_report(keras.models.load_model(REPO / "models" / "digits.keras"), extra)
    dataset, augment_cfg = train_dataset(
        x_train,
        y_train,
        args.batch_size,
        args.seed,
        augment=not args.no_augment,
        line_stubs=args.line_stubs,
    )
    x_val_in = x_val[..., None].astype(np.float32)
    y_val_1h = np.eye(CLASSES, dtype=np.float32)[y_val]

    log.info(
        "training %s (%d parameters) on %d digits, %d validation, up to %d epochs",
        model.name,
        model.count_params(),
        len(y_train),
        len(y_val),
        epochs,
    )
    fit_start = time.monotonic()
    history = model.fit(
        dataset,
        steps_per_epoch=steps,
        epochs=epochs,
        validation_data=(x_val_in, y_val_1h),
        validation_batch_size=500,
        callbacks=make_callbacks(
            args.max_minutes * 60, args.patience, args.learning_rate, args.lr_decay
        ),
        shuffle=False,  # the dataset shuffles itself, repeatably
        verbose=0,
    )
    fit_seconds = time.monotonic() - fit_start
    if any(layer.compute_dtype != "float32" for layer in model.layers):
        # what is evaluated and exported computes in float32, as the runtime does
        model = compile_model(with_weights(build_model(), model), args.learning_rate)
    epochs_run = len(history.history["loss"])
    best_epoch = int(np.argmax(history.history["val_accuracy"])) + 1

    scores = model.predict(x_test[..., None].astype(np.float32), batch_size=1000, verbose=0)
    report = classification_report(y_test, scores.argmax(axis=1), CLASSES)
    report.update(scores_report(scores, y_test))
    log.info(
        "MNIST test (Keras, float): %.4f right counting 'not a digit' as an error, %.4f "
        "ignoring it, %.4f rejected, %d digits",
        report["accuracy"],
        report["digit_accuracy"],
        report["rejected"],
        len(y_test),
    )
    held_out = {}
    for name, (crops, labels) in held_out_sets(
        x_test_raw, y_test, **QUICK_HELD_OUT if args.quick else {}
    ).items():
        held_out[name] = scores_report(
            model.predict(crops[..., None].astype(np.float32), batch_size=1000, verbose=0), labels
        )
        log.info(
            "held out %s: %.4f right, %.4f rejected",
            name,
            held_out[name]["accuracy"],
            held_out[name]["rejected"],
        )
    extra_figures = None
    if extra is not None:
        after = holdout_report(model, extra)
        extra_figures = {
            "sources": extra.sources,
            "train": int(len(extra.train_labels)),
            "holdout": int(len(extra.holdout_labels)),
            "share_of_training_batches": args.extra_share,
            "holdout_accuracy_before": None if before is None else before["accuracy"],
            "holdout_accuracy_after": after["accuracy"],
            "before_model": str(args.fine_tune or "models/digits.keras") if before else None,
            "holdout_after": after,
        }
        log.info(
            "your digits (held out, %d): accuracy %s before, %.4f after",
            len(extra.holdout_labels),
            "n/a" if before is None else f"{before['accuracy']:.4f}",
            after["accuracy"],
        )

    args.out.mkdir(parents=True, exist_ok=True)
    model_path = args.out / "digits.keras"
    save_without_optimizer(model, model_path)
    save_confusion_matrix(
        np.array(report["confusion_matrix"]),
        args.out / "confusion_matrix.png",
        f"Keras float model, MNIST test ({len(y_test)} digits): "
        f"accuracy {report['accuracy'] * 100:.2f}%",
    )
    save_training_curves(history.history, args.out / "training_curves.png")
    metrics = {
        "keras": {"file": model_path.name, "test": report, "held_out": held_out},
        "extra": extra_figures,
        "training": {
            "parameters": int(model.count_params()),
            "epochs_run": epochs_run,
            "best_epoch": best_epoch,
            "max_epochs": epochs,
            "steps_per_epoch": steps,
            "batch_size": args.batch_size,
            "learning_rate": args.learning_rate,
            "precision": args.precision,
            "lr_decay_per_epoch": args.lr_decay,
            "best_val_accuracy": round(float(max(history.history["val_accuracy"])), 6),
            "history": {
                k: [round(float(v), 6) for v in vals]
                for k, vals in history.history.items()
                if k != "learning_rate"
            },
            "fit_seconds": round(fit_seconds, 1),
            "total_seconds": round(time.monotonic() - started, 1),
            "seed": args.seed,
            "quick": bool(args.quick),
            "fine_tuned_from": str(args.fine_tune) if args.fine_tune else None,
            "augmentation": None if args.no_augment else augment_cfg.as_dict(),
            "mix": {**mix.as_dict(), "parts": parts},
            "machine": describe_machine(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
        },
        "data": {
            "train_source": train_set.source,
            "test_source": test_set.source,
            "train": int(len(train_idx)),
            "validation": int(len(val_idx)),
            "training_crops": int(len(y_train)),
            "validation_crops": int(len(y_val)),
            "test": int(len(y_test)),
            "preprocessing": "camdigit.core.preprocess.normalize_digit(ink='bright')",
        },
    }
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    log.info(
        "wrote %s, metrics.json, confusion_matrix.png and training_curves.png in %s",
        model_path.name,
        args.out,
    )
    return metrics


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    default_data = DEFAULT_DATA_DIR if DEFAULT_DATA_DIR.is_dir() else None
    parser.add_argument(
        "--data",
        type=Path,
        default=default_data,
        help="folder with the MNIST IDX files (default: ../shared/data/mnist "
        "when present, else keras' download)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: models/, or with --quick a new scratch "
        "folder, so a smoke test never replaces the shipped model)",
    )
    parser.add_argument("--seed", type=int, default=1, help="makes a run repeatable")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: {QUICK_TRAIN_LIMIT} digits, ~{QUICK_STEPS} steps",
    )
    parser.add_argument("--epochs", type=int, default=None, help="most epochs (default 40)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument(
        "--lr-decay",
        type=float,
        default=0.88,
        help="learning rate factor per epoch (0.88 in the bfloat16 trainings the README "
        "measures: their 25-40 epochs end at 4%% to 0.6%% of the starting rate)",
    )
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument(
        "--patience",
        type=int,
        default=8,
        help="early stopping: epochs without a better validation accuracy",
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=25.0,
        help="stop after the epoch that would overrun this",
    )
    parser.add_argument("--no-augment", action="store_true")
    parser.add_argument(
        "--line-stubs",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="share of the training crops given the stub of a ruled or grid line across the "
        "ink (0.1 read dark grids better but walls' grain worse, see the README)",
    )
    parser.add_argument(
        "--precision",
        choices=("auto", "float32", "bfloat16"),
        default="auto",
        help="training arithmetic: bfloat16 (mixed, float32 weights) is about four times "
        "faster on CPUs with AMX bfloat16 units, through oneDNN's kernels; auto picks it "
        "only there. The saved model is float32 either way",
    )
    parser.add_argument(
        "--negative-share",
        type=float,
        default=0.25,
        help="share of the training crops that are not a digit (class 10)",
    )
    parser.add_argument(
        "--touching-cuts",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="as many crops as this share of the digits, cut from touching pairs by the "
        "finder's own cuts: the right pieces as their digit, the wrong ones as not a digit "
        "(off by default: a fine-tune with 0.1 read touching digits no better, see the README)",
    )
    mine = parser.add_argument_group("your own digits")
    mine.add_argument(
        "--extra",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="your labelled digits (DIR/<digit>/*.png from camdigit collect, or a "
        ".csv of image,label); repeatable",
    )
    mine.add_argument(
        "--extra-holdout",
        type=float,
        default=0.3,
        help="share of your digits held out to measure before and after",
    )
    mine.add_argument(
        "--extra-share",
        type=float,
        default=0.2,
        help="share of the training stream made of your digits",
    )
    mine.add_argument(
        "--fine-tune",
        type=Path,
        metavar="MODEL",
        help="start from this Keras model (e.g. models/digits.keras) and train "
        f"{FINE_TUNE_EPOCHS} epochs at a lower learning rate, instead of from "
        "scratch",
    )
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = (
            Path(tempfile.mkdtemp(prefix="camdigit-quick-")) if args.quick else REPO / "models"
        )
    if args.precision == "auto":
        args.precision = "bfloat16" if has_bfloat16_matrix_units() else "float32"
    if args.fine_tune and args.learning_rate == 1e-3:
        args.learning_rate = FINE_TUNE_LEARNING_RATE
    if not 0 <= args.extra_holdout < 1 or not 0 < args.extra_share < 1:
        parser.error("--extra-holdout must be in [0, 1) and --extra-share in (0, 1)")
    if args.batch_size < 1 or not 0 < args.val_fraction < 1 or args.max_minutes <= 0:
        parser.error("--batch-size must be >= 1, --val-fraction in (0, 1), --max-minutes > 0")
    if not 0 <= args.line_stubs <= 1:
        parser.error("--line-stubs must be a share in [0, 1]")
    return args


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    args = parse_args(argv)
    # bfloat16 runs fast only through oneDNN's kernels; otherwise oneDNN stays off, as it only
    # adds log lines here
    if args.precision == "bfloat16":
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"
    else:
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    log.info("training arithmetic: %s", args.precision)
    try:
        train(args)
    except (DataError, OSError) as exc:
        print(f"train.py: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("train.py: interrupted; nothing written", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
