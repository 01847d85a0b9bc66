"""The digit CNN: convolution + max-pool blocks, flatten, dense, softmax.

Input is the 64x64 output of :func:`camdigit.preprocess.normalize_digit` in its own units
(0..255, as float); the first layer rescales to 0..1 so the exported model takes raw pixels.
The first convolution has stride 2 and a 3x3 kernel: on one input channel, full-resolution
convolutions are what costs in int8 (a 5x5 first kernel alone took 6 ms per 64 crops, a 3x3
one 2.4 ms), and the digit body (40 px) still spans 20 px after it, as in MNIST.
"""

from __future__ import annotations

import keras
from keras import layers

from camdigit.preprocess import CANVAS


def build_model(dropout: float = 0.4) -> keras.Model:
    """Build the uncompiled classifier."""
    return keras.Sequential(
        [
            keras.Input(shape=(CANVAS, CANVAS, 1), name="digit"),
            layers.Rescaling(1.0 / 255.0),
            layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),  # 32x32
            layers.MaxPooling2D(),  # 16x16
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),  # 8x8
            layers.Conv2D(128, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),  # 4x4
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(dropout),
            layers.Dense(10, activation="softmax", name="probabilities"),
        ],
        name="camdigit_cnn",
    )


def compile_model(model: keras.Model, learning_rate: float = 1e-3) -> keras.Model:
    """Adam and categorical cross-entropy, as the project has always trained it."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
