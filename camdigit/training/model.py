"""The digit CNN: convolution + max-pool blocks, flatten, dense, and 11 logits.

Ten digits and "not a digit" (class 10). The network ends in logits, not a softmax: training
takes the softmax inside its cross-entropy (``from_logits=True``), and the runtime takes it in
numpy (:class:`camdigit.core.classifier.DigitClassifier`), so the exported file gives the raw scores
(``camdigit explain`` reads the evidence for a digit straight from them) and the int8 output
keeps its resolution where a saturated softmax would round to 0 or 1.

Input is the 64x64 output of :func:`camdigit.core.preprocess.normalize_digit` in its own units
(0..255, as float); the first layer rescales to 0..1 so the exported model takes raw pixels.

Cost is set by the int8 runtime, not by the parameter count. A convolution over the full 64x64
single-channel input is what costs there (measured with LiteRT, 64 crops, 1 thread: a 5x5
stride-2 first layer alone 5.9 ms, 3x3 stride-2 2.4 ms, a 4x4 stride-4 patch layer 0.9 ms). So
the first layer cuts each 4x4 patch into 32 features (the 40 px digit body becomes 10 cells of a
16x16 map, the scale of a 28x28 MNIST net after its first pooling), and the capacity goes into
two 3x3 blocks at 16x16 and 8x8. Widths were chosen by measured int8 latency for a batch of 64
on one core: 48/64/128 channels cost 4.8 ms, these 32/48/96 cost 2.9 ms.
"""

from __future__ import annotations

import keras
from keras import layers

from camdigit.core.preprocess import CANVAS

CLASSES = 11
"""Outputs: the digits 0-9 and "not a digit"."""


def build_model(
    dropout: float = 0.5, classes: int = CLASSES, policy: str = "float32"
) -> keras.Model:
    """Build the uncompiled classifier (logits out).

    ``policy`` is the layers' Keras dtype policy: ``"mixed_bfloat16"`` computes in bfloat16 with
    float32 weights (training on a CPU with bfloat16 matrix units), and the logits stay float32
    either way so the loss's softmax keeps its precision. The weights are the same in both: a
    model trained mixed is copied into a float32 one with ``set_weights`` for export.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(CANVAS, CANVAS, 1), name="digit"),
            layers.Rescaling(1.0 / 255.0, dtype=policy),
            layers.Conv2D(32, 4, strides=4, activation="relu", dtype=policy),  # 16x16 patches
            layers.Conv2D(48, 3, padding="same", activation="relu", dtype=policy),
            layers.Conv2D(48, 3, padding="same", activation="relu", dtype=policy),
            layers.MaxPooling2D(dtype=policy),  # 8x8
            layers.Conv2D(96, 3, padding="same", activation="relu", dtype=policy),
            layers.Conv2D(96, 3, padding="same", activation="relu", dtype=policy),
            layers.MaxPooling2D(dtype=policy),  # 4x4
            layers.Flatten(dtype=policy),
            layers.Dense(256, activation="relu", dtype=policy),
            layers.Dropout(dropout, dtype=policy),
            layers.Dense(classes, name="logits", dtype="float32"),
        ],
        name="camdigit_cnn",
    )


def compile_model(model: keras.Model, learning_rate: float = 1e-3) -> keras.Model:
    """Adam and categorical cross-entropy (on the logits, the softmax inside the loss)."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model
