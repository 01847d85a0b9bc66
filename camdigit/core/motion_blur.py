"""A camera moving while its shutter is open: the smear measured in the frame, and undone.

A hand-held camera, or a page moved under a webcam, smears each frame along the motion: every
pixel is the mean of the pixels a line of ``length`` pixels covers. A stroke along the motion
keeps its depth; a stroke across it is spread over the smear and fades by as much, below any
ink level once the pen is thin (a 1.3 px stroke smeared 7 px keeps a fifth of its depth). The
digit falls into the pieces its strokes along the motion leave, and those read as 1s.

Thresholds cannot bring back what the smear spread out, but the smear is a known operation:

- **Measured** from the frame's cepstrum (the spectrum of its log spectrum). A line of
  ``length`` pixels multiplies the frame's spectrum by a sinc whose zeros repeat every
  ``1 / length`` of the frequencies along the motion; in the log spectrum they are a ripple of
  deep notches, which the cepstrum shows as one negative peak ``length`` pixels from its origin
  in the direction of the motion. Its depth, in median deviations of the cepstrum's values
  there, says how sure the measure is. A camera's sensor and its codec fill the notches with
  noise after the smear: the log spectrum is floored at its median (the noise's level, as most
  frequencies hold nothing else), so the notches above it keep their ripple and the noise
  below it none (unfloored, a 2-level noise hid every smear). It is read in two
  windows of the frame with the most edges (the writing), apart from each other, and must
  show in both: a smear is the whole frame's, a few strokes' own widths ripple one window.
- **The pixel grid's ripples are not a smear.** A JPEG's or a video frame's blocks, and a
  photo enlarged twice, ripple the spectrum along the frame's axes at multiples of 4 px: those
  peaks are not looked at.
- **Blurred along it.** A pen's strokes ripple the cepstrum across their width as a smear of
  that length would, but their edges are sharp there: a peak is taken only where the
  windows' edges are weaker along its direction than across it (:func:`blurred_along`).
- **Followed** in a video: a hand's pan turns and slows gradually, so a peak near the previous
  frame's smear is taken at less depth than a fresh one.
- **Undone** where it is clear, by a Wiener filter with the measured line: the frame handed on
  has its strokes across the motion at their depth again (with a faint echo beside strong
  edges), and the digits are found and read in it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

WINDOW = 256
"""Side of the square windows the cepstrum is measured in (a power of two: the DFT is fast):
wide enough for a handwritten digit or two of any size the camera sees and a smear of up to
:data:`LONGEST` pixels."""

WINDOWS = 2
"""Windows measured (those with the most edges, overlapping by a quarter of their side at
most), their cepstra averaged: one window's is noisy where it holds little writing (four
measured no better than two on the measuring stick's stills, at twice the time)."""

AGREE = 0.5
"""... and the smear is the same in all of them: each window's own peak at the mean's length
and direction is at least this share of :data:`DEPTH` deep. A few strokes on blank paper
ripple a window's cepstrum by their own widths as a smear would (a test page's 80 px bar and
60 px digits, as deep as a 10 px smear in the unfloored measure; with windows overlapping by
half, both windows held them): a frame with room for one such window only, or with writing in
one, is not measured."""

SHORTEST, LONGEST = 6, 24
"""Smear lengths looked for, in pixels: shorter smears cost a thin pen's digits only, and a
pen's own strokes ripple the cepstrum there (a whiteboard marker's, 4-5 px wide, peaked 23
median deviations deep at 4 px, a smear's depth: a throwaway script before lengths under 6 px
were dropped); longer ones leave no writing to read (a fast pan)."""

DEGREES = 2
"""Directions looked for, every this many degrees from the horizontal."""

DEPTH = 15.0
"""A smear is undone where its cepstral peak is at least this many median deviations deep
(and the frame is blurred along it, :func:`blurred_along`). ``python -m
benchmarks.smear_depths``: sharp frames (``page_sweep``'s 1,092 pages, the real photos, their
variants and noisy copies) peak at most 15.2 deep, a closeup's marker strokes on a desk, which
the blur test turns away; none of them is measured smeared. Of 30 frames smeared 6-10 px it
measures 30 as rendered, 10 under a 2-level sensor noise, 17 as JPEG at quality 75, 3 as
H.264 at crf 23 (undone with a wrong line, a sharp frame would gain echoes: doubt is left
alone)."""

FOLLOW = 10.0
"""A video's smear goes on from frame to frame (a hand's pan turns and slows gradually): where
the previous frame's was measured, a peak near it (:func:`near`) is taken from this many
deviations deep. ``python -m benchmarks.smear_depths``: near one place drawn at random, sharp
frames peak this deep at the 99.9th percentile (59,880 places), where :data:`DEPTH` is what
the deepest place of a sharp frame asks; a followed peak must pass :func:`blurred_along`
too."""

FOLLOW_LENGTH, FOLLOW_DEGREES = 1, 6.0
"""How far (pixels, degrees) from the previous frame's smear a followed one may lie."""

GRID = 4
"""The pixel grid's own ripples lie along its axes at multiples of this many pixels: a JPEG's
and a video codec's 4 and 8 px blocks, a photo enlarged twice (its pixels in pairs, and its
blocks 8 px then). A peak there is never taken for a smear: a camera's motion is seldom
exactly along an axis, and a smear that is shows at the lengths beside too."""

NOISE_TO_SIGNAL = 0.004
"""The Wiener filter's noise-to-signal power: lower undoes more of the smear and lifts more of
the noise and the echoes beside edges."""


@dataclass(frozen=True)
class Smear:
    """A frame's motion smear: its ``length`` in pixels, its direction in ``degrees``
    anticlockwise from the horizontal (0-180), the cepstral ``depth`` it was measured with."""

    length: int
    degrees: float
    depth: float


LENGTHS = np.arange(SHORTEST, LONGEST + 1)
"""The smear lengths looked for, pixels (the depth maps' columns)."""
DIRECTIONS = np.arange(0, 180, DEGREES)
"""The smear directions looked for, degrees (the depth maps' rows)."""
_RADIANS = np.radians(DIRECTIONS)[:, None]
# where each (direction, length) lies in a window's cepstrum, its origin at the corner and
# wrapping round (y grows downward)
_MAP_X = np.mod(LENGTHS[None, :] * np.cos(_RADIANS), WINDOW).astype(np.float32)
_MAP_Y = np.mod(-LENGTHS[None, :] * np.sin(_RADIANS), WINDOW).astype(np.float32)
_TAPER = cv2.createHanningWindow((WINDOW, WINDOW), cv2.CV_32F)
_STEP = 8  # the windows are chosen on a copy this many times smaller


def measure_smear(gray: np.ndarray, last: Smear | None = None) -> Smear | None:
    """The motion smear of the grey frame ``gray``, or None where none is clear (a sharp
    frame, one with room for fewer than two windows, one with no writing); ``last``: the
    smear measured in the video's previous frame, if any, followed where the frame's peak
    near it is :data:`FOLLOW` deep."""
    windows = busiest_windows(gray)
    if len(windows) < WINDOWS:
        return None
    each = window_depths(windows)
    smear = deepest(each, DEPTH)
    if smear is not None and blurred_along(windows, smear.degrees):
        return smear
    if last is None:
        return None
    smear = deepest(each, FOLLOW, near(last))
    return smear if smear is not None and blurred_along(windows, smear.degrees) else None


def window_depths(windows: list[np.ndarray]) -> np.ndarray:
    """(windows, directions, lengths): each window's cepstral depths at the directions and
    lengths looked for (:data:`DIRECTIONS`, :data:`LENGTHS`)."""
    return np.stack([_depths(_log_spectrum(window)) for window in windows])


def blurred_along(windows: list[np.ndarray], degrees: float) -> bool:
    """Whether the windows' edges are weaker along ``degrees`` than across it (their squared
    gradients summed over all the windows): a smear blurs the frame along its motion. A pen's
    own strokes ripple the cepstrum across their width as a smear of that length would, but
    their edges are sharp there (a closeup's 23 px marker strokes on a desk peaked 15.2 deep,
    their edges along that direction 2.2 times as strong as across it). A page whose strokes
    all run one way, smeared across them, keeps its edges stronger there and is not
    measured."""
    theta = np.radians(degrees)
    c, s = np.float32(np.cos(theta)), np.float32(np.sin(theta))
    along = across = 0.0
    for window in windows:
        pixels = window.astype(np.float32)
        dx = cv2.Sobel(pixels, cv2.CV_32F, 1, 0)
        dy = cv2.Sobel(pixels, cv2.CV_32F, 0, 1)
        # anticlockwise from the horizontal with y growing downward
        along += float(cv2.norm(dx * c - dy * s, cv2.NORM_L2SQR))
        across += float(cv2.norm(dx * s + dy * c, cv2.NORM_L2SQR))
    return along < across


def deepest(each: np.ndarray, depth: float, where: np.ndarray | None = None) -> Smear | None:
    """The deepest peak of the windows' mean depths (``each``: :func:`window_depths`), among
    ``where`` (directions x lengths bool; None: everywhere), if it is ``depth`` deep there and
    each window's own :data:`AGREE` of that."""
    depths = each.mean(axis=0)
    if where is not None:
        depths[~where] = -np.inf
    a, n = np.unravel_index(int(np.argmax(depths)), depths.shape)
    if depths[a, n] < depth or each[:, a, n].min() < AGREE * depth:
        return None
    return Smear(int(LENGTHS[n]), float(DIRECTIONS[a]), float(depths[a, n]))


def near(smear: Smear) -> np.ndarray:
    """(directions, lengths) bool: within :data:`FOLLOW_LENGTH` pixels and
    :data:`FOLLOW_DEGREES` of ``smear``."""
    apart = np.abs(DIRECTIONS - smear.degrees) % 180.0
    apart = np.minimum(apart, 180.0 - apart)
    close = np.abs(LENGTHS - smear.length) <= FOLLOW_LENGTH
    return (apart <= FOLLOW_DEGREES)[:, None] & close[None, :]


def _depths(spectrum: np.ndarray) -> np.ndarray:
    """(directions, lengths): how deep below its typical values a log ``spectrum``'s cepstrum
    lies at each direction and length looked for, in median absolute deviations of those
    values (a window of fine writing ripples them all more than one of a few big strokes);
    zero along the pixel grid (:data:`GRID`)."""
    cepstrum = cv2.dft(spectrum, flags=cv2.DFT_COMPLEX_OUTPUT | cv2.DFT_SCALE)[..., 0]
    values = cv2.remap(cepstrum, _MAP_X, _MAP_Y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    middle = float(np.median(values))
    spread = float(np.median(np.abs(values - middle))) + 1e-12
    depths = (middle - values) / spread
    depths[_PIXEL_GRID] = 0.0
    return depths


def busiest_windows(gray: np.ndarray) -> list[np.ndarray]:
    """Up to :data:`WINDOWS` windows of ``gray`` holding the most edges, overlapping by a
    quarter of their side at most."""
    height, width = gray.shape
    if height < WINDOW or width < WINDOW:
        return []
    small = cv2.resize(gray, (width // _STEP, height // _STEP), interpolation=cv2.INTER_AREA)
    small = small.astype(np.float32)
    edges = cv2.Sobel(small, cv2.CV_32F, 1, 0) ** 2 + cv2.Sobel(small, cv2.CV_32F, 0, 1) ** 2
    side = WINDOW // _STEP
    apart = side * 3 // 4  # windows overlap by a quarter at most
    sums = cv2.boxFilter(
        edges, -1, (side, side), normalize=False, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT
    )
    sums = sums[: small.shape[0] - side + 1, : small.shape[1] - side + 1].copy()
    found = []
    for _ in range(WINDOWS):
        y, x = np.unravel_index(int(np.argmax(sums)), sums.shape)
        if sums[y, x] <= 0:
            break
        found.append(gray[y * _STEP : y * _STEP + WINDOW, x * _STEP : x * _STEP + WINDOW])
        sums[max(0, y - apart + 1) : y + apart, max(0, x - apart + 1) : x + apart] = -1.0
    return found


def _log_spectrum(window: np.ndarray) -> np.ndarray:
    """log(1 + |DFT|) of the tapered window, its mean taken off, floored at the median
    magnitude: most of a window's frequencies hold no writing, only the sensor's noise and the
    codec's, which fill the smear's notches up to that level (a notch at the floor is as deep
    as the frame shows it; one in the noise below it only ripples the cepstrum at random)."""
    pixels = window.astype(np.float32)
    pixels = (pixels - float(pixels.mean())) * _TAPER
    spectrum = cv2.dft(pixels, flags=cv2.DFT_COMPLEX_OUTPUT)
    magnitude = cv2.magnitude(spectrum[..., 0], spectrum[..., 1])
    sample = magnitude[::2, ::2].ravel()  # a quarter of the frequencies tell the median
    floor = float(np.partition(sample, len(sample) // 2)[len(sample) // 2])
    return cv2.log(np.maximum(magnitude, floor) + 1.0)


def _pixel_grid() -> np.ndarray:
    """(directions, lengths) bool: the peaks along the frame's axes at multiples of
    :data:`GRID` pixels, each as wide as the cepstrum's resolution in direction at its length
    (a pixel of arc), which are never taken for a smear."""
    apart = np.abs(DIRECTIONS[:, None] - np.array([0.0, 90.0])) % 180.0
    apart = np.minimum(apart, 180.0 - apart).min(axis=1)  # to the nearer axis
    reach = np.degrees(1.0 / LENGTHS)
    return (apart[:, None] <= reach[None, :]) & (LENGTHS % GRID == 0)[None, :]


_PIXEL_GRID = _pixel_grid()


def smear_kernel(smear: Smear) -> np.ndarray:
    """The smear's point spread: a line ``length`` pixels long through the centre of an odd
    square, anticlockwise from the horizontal by ``degrees``, its weights summing to one."""
    side = smear.length + 2 + (smear.length + 1) % 2
    kernel = np.zeros((side, side), np.float32)
    centre = (side - 1) / 2.0
    along = np.linspace(-(smear.length - 1) / 2.0, (smear.length - 1) / 2.0, 8 * smear.length)
    theta = np.radians(smear.degrees)
    x, y = centre + along * np.cos(theta), centre - along * np.sin(theta)
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = (x - x0).astype(np.float32), (y - y0).astype(np.float32)
    for dy, dx, weight in (
        (0, 0, (1 - fx) * (1 - fy)),
        (0, 1, fx * (1 - fy)),
        (1, 0, (1 - fx) * fy),
        (1, 1, fx * fy),
    ):
        np.add.at(kernel, (y0 + dy, x0 + dx), weight)
    return kernel / kernel.sum()


def unsmear(gray: np.ndarray, smear: Smear) -> np.ndarray:
    """``gray`` (uint8) with ``smear`` undone by a Wiener filter."""
    kernel = smear_kernel(smear)
    k = kernel.shape[0]
    height, width = gray.shape
    rows, columns = _even_dft_size(height + 2 * k), _even_dft_size(width + 2 * k)
    padded = _wrapped_smoothly(gray, k, rows, columns)
    spread = np.zeros((rows, columns), np.float32)
    # the kernel centred on the origin: its four quarters wrapped round the corners
    half = k // 2
    first, last = (slice(0, k - half), slice(half, k)), (slice(-half, None), slice(0, half))
    for (ys, ky), (xs, kx) in itertools.product((first, last), (first, last)):
        spread[ys, xs] = kernel[ky, kx]
    # spectra packed as OpenCV's real DFT packs them (CCS): frame * conj(line) / (|line|^2 + nsr)
    frame, line = cv2.dft(padded), cv2.dft(spread)
    undone = cv2.mulSpectrums(frame, line, 0, conjB=True) / _packed_power(line)
    undone = cv2.dft(undone, flags=cv2.DFT_INVERSE | cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    return np.clip(undone[k : k + height, k : k + width], 0, 255).astype(np.uint8)


def _wrapped_smoothly(gray: np.ndarray, margin: int, rows: int, columns: int) -> np.ndarray:
    """``gray`` at ``margin`` pixels from the top left of a float (rows, columns) array whose
    margins run linearly from each side of the frame to the opposite one: a DFT wraps the
    frame around, and a frame darker on one side than the other (a lamp's fall-off) would
    meet itself at a step, which the filter rings along the motion as it would an edge."""
    height, width = gray.shape
    out = np.empty((rows, columns), np.float32)
    out[margin : margin + height, margin : margin + width] = gray
    inside = out[margin : margin + height]
    _ramp(inside, margin, width, axis=1)
    _ramp(out, margin, height, axis=0)
    return out


def _ramp(values: np.ndarray, start: int, length: int, axis: int) -> None:
    """Fill ``values`` outside ``start : start + length`` along ``axis`` (in place) with a
    linear run from the last inner line to the first, through the wrap."""
    size = values.shape[axis]
    pad = size - length
    last = np.take(values, start + length - 1, axis=axis)
    first = np.take(values, start, axis=axis)
    shape = (1, pad) if axis == 1 else (pad, 1)
    t = (np.arange(1, pad + 1, dtype=np.float32) / np.float32(pad + 1)).reshape(shape)
    run = np.expand_dims(last, axis) * (1 - t) + np.expand_dims(first, axis) * t
    # wrap order: the lines after the frame, then those before it
    order = np.r_[start + length : size, 0:start]
    if axis == 1:
        values[:, order] = run
    else:
        values[order, :] = run


def _even_dft_size(length: int) -> int:
    """The smallest fast DFT length of at least ``length`` that is even (the packed layout
    :func:`_packed_power` reads is the even one)."""
    size = cv2.getOptimalDFTSize(length)
    while size % 2:
        size = cv2.getOptimalDFTSize(size + 1)
    return size


def _packed_power(line: np.ndarray) -> np.ndarray:
    """|line|^2 + :data:`NOISE_TO_SIGNAL` of a packed (CCS) spectrum of even sides, in both
    the real and the imaginary slot of each frequency: what the packed product is divided by."""
    power = cv2.mulSpectrums(line, line, 0, conjB=True) + NOISE_TO_SIGNAL  # real slots only
    rows, columns = power.shape
    power[:, 2 : columns - 1 : 2] = power[:, 1 : columns - 2 : 2]
    for column in (0, columns - 1):
        power[2 : rows - 1 : 2, column] = power[1 : rows - 2 : 2, column]
    return power


def unsmeared(gray: np.ndarray, last: Smear | None = None) -> tuple[np.ndarray, Smear | None]:
    """``gray`` with its motion smear undone where one is clear (:func:`measure_smear`, which
    follows ``last``, the previous video frame's), and the smear; the same array and None
    where none is."""
    smear = measure_smear(gray, last)
    return (gray, None) if smear is None else (unsmear(gray, smear), smear)
