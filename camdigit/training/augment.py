"""Camera-like augmentation of normalized digits, as vectorized TensorFlow ops on a batch.

It runs in the ``tf.data`` pipeline, never in the exported graph. Each batch gets its own
stateless seed, so a training run with the same ``--seed`` sees the same augmented digits.
The images it makes stay in the units of :func:`camdigit.core.preprocess.normalize_digit`: 0..255,
ink bright, strongest ink at 255, so they look like camera crops after the same normalization.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import tensorflow as tf


@dataclass(frozen=True)
class AugmentConfig:
    """How strongly each camera effect is drawn. Ranges are uniform unless noted."""

    rotation_deg: float = 12.0  # +- degrees
    wide_rotation_prob: float = 0.2  # this share of the batch is turned further...
    wide_rotation_deg: float = 30.0  # ... by up to +- this many degrees (a tilted page)
    scale: tuple[float, float] = (0.88, 1.08)  # overall size
    aspect: float = 0.06  # +- independent x/y scale
    shear: float = 0.18  # +- x shear factor
    shift_px: float = 2.5  # +- pixels (of 64) after centring
    thicker_prob: float = 0.25  # grey dilation, partial amount
    thinner_prob: float = 0.15  # grey erosion, partial amount
    blur_prob: float = 0.3  # Gaussian blur, partial amount
    gamma: tuple[float, float] = (0.7, 1.4)  # contrast curve, log-uniform
    noise_prob: float = 0.4
    noise_max: float = 0.08  # sensor noise sigma, fraction of full scale

    def as_dict(self) -> dict:
        return asdict(self)


_GAUSS = (
    tf.constant(
        [
            [1, 4, 6, 4, 1],
            [4, 16, 24, 16, 4],
            [6, 24, 36, 24, 6],
            [4, 16, 24, 16, 4],
            [1, 4, 6, 4, 1],
        ],
        tf.float32,
    )
    / 256.0
)


def _uniform(seed: tf.Tensor, n: tf.Tensor, low: float, high: float) -> tf.Tensor:
    return tf.random.stateless_uniform([n], seed, low, high)


def _mix(base: tf.Tensor, other: tf.Tensor, seed: tf.Tensor, prob: float) -> tf.Tensor:
    """Blend towards ``other`` by a random amount, for a random ``prob`` share of the batch."""
    n = tf.shape(base)[0]
    seeds = tf.random.experimental.stateless_split(seed, 2)
    chosen = tf.cast(_uniform(seeds[0], n, 0.0, 1.0) < prob, tf.float32)
    amount = _uniform(seeds[1], n, 0.3, 1.0) * chosen
    amount = tf.reshape(amount, [-1, 1, 1, 1])
    return base + amount * (other - base)


def _affine(images: tf.Tensor, seed: tf.Tensor, cfg: AugmentConfig) -> tf.Tensor:
    n = tf.shape(images)[0]
    size = tf.shape(images)[1:3]
    s = tf.random.experimental.stateless_split(seed, 7)
    wide = tf.cast(_uniform(s[6], n, 0.0, 1.0) < cfg.wide_rotation_prob, tf.float32)
    limit = cfg.rotation_deg + wide * (cfg.wide_rotation_deg - cfg.rotation_deg)
    angle = _uniform(s[0], n, -1.0, 1.0) * limit * (math.pi / 180.0)
    scale = _uniform(s[1], n, *cfg.scale)
    sx = scale * (1.0 + _uniform(s[2], n, -cfg.aspect, cfg.aspect))
    sy = scale * (1.0 + _uniform(s[3], n, -cfg.aspect, cfg.aspect))
    shear = _uniform(s[4], n, -cfg.shear, cfg.shear)
    shift = tf.random.stateless_uniform([n, 2], s[5], -cfg.shift_px, cfg.shift_px)
    cos, sin = tf.cos(angle), tf.sin(angle)
    # Output pixel -> input point: rotation @ shear @ 1/scale, about the image centre.
    a00, a01 = cos / sx, (cos * shear - sin) / sy
    a10, a11 = sin / sx, (sin * shear + cos) / sy
    c = (tf.cast(size[1], tf.float32) - 1.0) / 2.0
    a02 = c - a00 * c - a01 * c + shift[:, 0]
    a12 = c - a10 * c - a11 * c + shift[:, 1]
    zeros = tf.zeros_like(a00)
    transforms = tf.stack([a00, a01, a02, a10, a11, a12, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=size,
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )


def augment_batch(images: tf.Tensor, seed: tf.Tensor, cfg: AugmentConfig) -> tf.Tensor:
    """Augment a (B, 64, 64, 1) batch in 0..255 units; returns float32 in the same units."""
    s = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 7)
    x = tf.cast(images, tf.float32) / 255.0
    x = _affine(x, s[0], cfg)
    thick = tf.nn.max_pool2d(x, 3, 1, "SAME")
    x = _mix(x, thick, s[1], cfg.thicker_prob)
    thin = -tf.nn.max_pool2d(-x, 3, 1, "SAME")
    x = _mix(x, thin, s[2], cfg.thinner_prob)
    blurred = tf.nn.conv2d(x, tf.reshape(_GAUSS, [5, 5, 1, 1]), 1, "SAME")
    x = _mix(x, blurred, s[3], cfg.blur_prob)
    # normalize_digit always stretches the strongest ink to full scale: so do we.
    peak = tf.reduce_max(x, axis=[1, 2, 3], keepdims=True)
    x = tf.math.divide_no_nan(x, peak)
    n = tf.shape(x)[0]
    log_gamma = _uniform(s[4], n, math.log(cfg.gamma[0]), math.log(cfg.gamma[1]))
    x = tf.pow(x, tf.reshape(tf.exp(log_gamma), [-1, 1, 1, 1]))
    sigma = _uniform(s[5], n, 0.0, cfg.noise_max)
    noisy = tf.cast(_uniform(s[6], n, 0.0, 1.0) < cfg.noise_prob, tf.float32) * sigma
    noise = tf.random.stateless_normal(tf.shape(x), s[6] + 1) * tf.reshape(noisy, [-1, 1, 1, 1])
    x = tf.clip_by_value(x + noise, 0.0, 1.0)
    return tf.round(x * 255.0)
