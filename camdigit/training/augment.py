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
    line_prob: float = 0.0  # a line's stub across the ink's box (train.py --line-stubs)

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


def _extent(any_ink: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """First and last index holding ink along the last axis of (B, L) booleans."""
    index = tf.range(tf.shape(any_ink)[1], dtype=tf.float32)[None, :]
    first = tf.reduce_min(tf.where(any_ink, index, 1e4), axis=1)
    last = tf.reduce_max(tf.where(any_ink, index, -1e4), axis=1)
    return first, last


def _line_through(images: tf.Tensor, seed: tf.Tensor, prob: float) -> tf.Tensor:
    """A straight line across the ink's box of a ``prob`` share of the batch.

    On ruled and squared paper the finder erases the lines it finds, but a line as dark as the
    ink, or one a stroke runs along, leaves a stub inside a digit's crop (the crop keeps the
    ink in the digit's box). A digit with such a stub is still that digit: without this the
    model learns from the line and grid negatives that a line means "not a digit". The line
    runs nearly horizontal or vertical (+-0.08 slope) at 10-90% across the box, 1.5-4 px wide,
    60-100% of full ink, from up to a quarter of the box beyond one side to as far beyond
    the other.
    """
    n = tf.shape(images)[0]
    s = tf.random.experimental.stateless_split(seed, 8)
    ink = images[..., 0] > 0.3
    y0, y1 = _extent(tf.reduce_any(ink, axis=2))
    x0, x1 = _extent(tf.reduce_any(ink, axis=1))
    vertical = _uniform(s[0], n, 0.0, 1.0) < 0.5
    # along: the axis the line runs on; across: the one it is placed on
    a0, a1 = tf.where(vertical, y0, x0), tf.where(vertical, y1, x1)
    c0, c1 = tf.where(vertical, x0, y0), tf.where(vertical, x1, y1)
    place = c0 + _uniform(s[1], n, 0.1, 0.9) * (c1 - c0)
    start = a0 - _uniform(s[2], n, 0.0, 0.25) * (a1 - a0)
    end = a1 + _uniform(s[3], n, 0.0, 0.25) * (a1 - a0)
    slope = _uniform(s[4], n, -0.08, 0.08)
    width = _uniform(s[5], n, 1.5, 4.0)
    chosen = tf.cast(_uniform(s[7], n, 0.0, 1.0) < prob, tf.float32)
    strength = _uniform(s[6], n, 0.6, 1.0) * chosen
    h, w = tf.shape(images)[1], tf.shape(images)[2]
    ys, xs = tf.meshgrid(
        tf.range(h, dtype=tf.float32), tf.range(w, dtype=tf.float32), indexing="ij"
    )

    def per_image(v: tf.Tensor) -> tf.Tensor:
        return tf.reshape(v, [-1, 1, 1])

    along = tf.where(per_image(vertical), ys[None], xs[None])
    across = tf.where(per_image(vertical), xs[None], ys[None])
    middle = 0.5 * (per_image(start) + per_image(end))
    offset = tf.abs(across - per_image(place) - per_image(slope) * (along - middle))
    inside = tf.cast((along >= per_image(start)) & (along <= per_image(end)), tf.float32)
    line = tf.clip_by_value(per_image(width) / 2.0 + 0.5 - offset, 0.0, 1.0) * inside
    return tf.maximum(images, (line * per_image(strength))[..., None])


def augment_batch(images: tf.Tensor, seed: tf.Tensor, cfg: AugmentConfig) -> tf.Tensor:
    """Augment a (B, 64, 64, 1) batch in 0..255 units; returns float32 in the same units."""
    # the first 7 of 8 split seeds are those a split in 7 gives: without line stubs a batch is
    # augmented exactly as before they were added
    s = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 8)
    x = tf.cast(images, tf.float32) / 255.0
    if cfg.line_prob > 0:
        x = _line_through(x, s[7], cfg.line_prob)
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
