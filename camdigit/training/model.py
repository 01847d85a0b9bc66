"""The digit CNN: convolution + max-pool blocks, flatten, dense, softmax.

Input is the 64x64 output of :func:`camdigit.preprocess.normalize_digit` in its own units
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

from camdigit.preprocess import CANVAS


def build_model(dropout: float = 0.5) -> keras.Model:
    """Build the uncompiled classifier."""
    return keras.Sequential(
        [
            keras.Input(shape=(CANVAS, CANVAS, 1), name="digit"),
            layers.Rescaling(1.0 / 255.0),
            layers.Conv2D(32, 4, strides=4, activation="relu"),  # 16x16 patch features
            layers.Conv2D(48, 3, padding="same", activation="relu"),
            layers.Conv2D(48, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),  # 8x8
            layers.Conv2D(96, 3, padding="same", activation="relu"),
            layers.Conv2D(96, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),  # 4x4
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
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
