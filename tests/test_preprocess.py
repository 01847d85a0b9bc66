"""The shared preprocessing: MNIST-style geometry, both ink polarities, and its edge cases."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camdigit.core.preprocess import (
    CANVAS,
    INNER_BOX,
    guess_ink,
    ink_map,
    normalize_digit,
    normalize_digits,
)


def ink_box(image: np.ndarray) -> tuple[int, int]:
    """(height, width) of the pixels with ink."""
    rows = np.flatnonzero(image.any(axis=1))
    cols = np.flatnonzero(image.any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    weights = image.astype(np.float64)
    total = weights.sum()
    ys, xs = np.indices(image.shape)
    return float((ys * weights).sum() / total), float((xs * weights).sum() / total)


def drawn_seven(height: int, width: int, thickness: int) -> np.ndarray:
    """A dark-ink 7 on light paper, of any size."""
    page = np.full((height, width), 230, np.uint8)
    h, w = height, width
    pts = np.array([[w * 0.2, h * 0.15], [w * 0.8, h * 0.15], [w * 0.4, h * 0.85]], np.int32)
    cv2.polylines(page, [pts], False, 30, thickness)
    return page


def test_output_shape_dtype_and_range(mnist_1000):
    out = normalize_digit(mnist_1000[0][0], ink="bright")
    assert out.shape == (CANVAS, CANVAS) and out.dtype == np.uint8
    assert out.max() == 255 and out.min() == 0


def test_longest_side_scaled_to_inner_box_and_centred_by_mass(mnist_1000):
    for image in mnist_1000[0][:50]:
        out = normalize_digit(image, ink="bright")
        height, width = ink_box(out > 255 * 0.2)
        assert max(height, width) in (INNER_BOX - 1, INNER_BOX, INNER_BOX + 1)
        cy, cx = centre_of_mass(out)
        assert abs(cy - 31.5) <= 1.0 and abs(cx - 31.5) <= 1.0


def test_aspect_ratio_is_kept():
    block = np.zeros((30, 60), np.uint8)
    block[5:25, 10:50] = 255  # 20 x 40 ink: twice as wide as high
    height, width = ink_box(normalize_digit(block, ink="bright"))
    assert width == INNER_BOX
    assert height == pytest.approx(INNER_BOX / 2, abs=1)


def test_dark_ink_on_light_paper_matches_bright_ink_on_dark(mnist_1000):
    image = mnist_1000[0][7]
    bright = normalize_digit(image, ink="bright")
    dark = normalize_digit(255 - image, ink="dark")
    np.testing.assert_array_equal(bright, dark)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel().astype(float), b.ravel().astype(float))[0, 1])


def test_paper_tone_and_contrast_are_normalized_away(mnist_1000):
    image = mnist_1000[0][3].astype(np.float32) / 255
    reference = normalize_digit(mnist_1000[0][3], ink="bright")
    # Grey paper (200) and faded ink (120): same digit, lower contrast, dark on light.
    faded = np.rint(200 - image * 80).astype(np.uint8)
    assert correlation(normalize_digit(faded, ink="dark"), reference) > 0.97


def test_same_digit_at_any_scale_normalizes_alike():
    small = normalize_digit(drawn_seven(200, 150, 15), ink="dark")
    large = normalize_digit(drawn_seven(400, 300, 30), ink="dark")
    assert correlation(small, large) > 0.95


def test_empty_crop_gives_blank_image():
    assert not normalize_digit(np.zeros((0, 0), np.uint8), ink="dark").any()
    assert not normalize_digit(np.zeros((0, 17), np.uint8), ink="bright").any()


def test_uniform_and_faint_crops_give_blank_image():
    assert not normalize_digit(np.full((20, 20), 255, np.uint8), ink="dark").any()
    assert not normalize_digit(np.full((20, 20), 128, np.uint8), ink="bright").any()
    faint = np.full((20, 20), 200, np.uint8)
    faint[5:15, 9:11] = 197  # 3 grey levels: below the contrast floor
    assert not normalize_digit(faint, ink="dark").any()


def test_one_pixel_crop_has_no_contrast_and_is_blank():
    assert not normalize_digit(np.zeros((1, 1), np.uint8), ink="bright").any()
    assert not normalize_digit(np.full((1, 1), 255, np.uint8), ink="bright").any()


def test_single_ink_pixel_fills_the_inner_box_centred():
    crop = np.zeros((3, 3), np.uint8)
    crop[1, 1] = 255
    out = normalize_digit(crop, ink="bright")
    assert ink_box(out > 128) == (INNER_BOX, INNER_BOX)
    cy, cx = centre_of_mass(out)
    assert abs(cy - 31.5) <= 0.5 and abs(cx - 31.5) <= 0.5


def test_crop_that_is_nearly_all_ink_keeps_its_ink():
    tight = np.full((30, 6), 20, np.uint8)  # a tight crop of a thick dark 1
    tight[0, 0] = tight[-1, -1] = 230  # with paper showing at two corners only
    out = normalize_digit(tight, ink="dark")
    assert ink_box(out > 128) == (INNER_BOX, 8)


@pytest.mark.parametrize("shape", [(5, 900), (900, 5), (1, 500), (500, 1)])
def test_very_wide_or_tall_crop(shape):
    crop = np.zeros(shape, np.uint8)
    if min(shape) == 1:  # a one-pixel line with paper at both ends
        crop.reshape(-1)[10:-10] = 255
    elif shape[0] < shape[1]:
        crop[2, 10:-10] = 255
    else:
        crop[10:-10, 2] = 255
    out = normalize_digit(crop, ink="bright")
    height, width = ink_box(out > 50)
    long_side, short_side = (width, height) if shape[1] > shape[0] else (height, width)
    assert long_side in (INNER_BOX - 1, INNER_BOX, INNER_BOX + 1)
    assert short_side <= 2  # one pixel, or two when centred between pixels
    cy, cx = centre_of_mass(out)
    assert abs(cy - 31.5) <= 1 and abs(cx - 31.5) <= 1


def test_huge_crop_matches_its_downscaled_version():
    huge_crop = drawn_seven(8000, 6000, 600)
    reduced = cv2.resize(huge_crop, (300, 400), interpolation=cv2.INTER_AREA)
    huge = normalize_digit(huge_crop, ink="dark")
    assert huge.max() == 255
    assert correlation(huge, normalize_digit(reduced, ink="dark")) > 0.98


def test_dtypes_and_channels_agree(mnist_1000):
    image = mnist_1000[0][11]
    reference = normalize_digit(image, ink="bright")
    variants = {
        "uint16": image.astype(np.uint16) * 257,
        "float": image.astype(np.float32) / 255,
        "bgr": cv2.cvtColor(image, cv2.COLOR_GRAY2BGR),
        "bgra": cv2.cvtColor(image, cv2.COLOR_GRAY2BGRA),
        "one channel": image[:, :, None],
    }
    for name, variant in variants.items():
        out = normalize_digit(variant, ink="bright")
        assert np.abs(out.astype(int) - reference.astype(int)).max() <= 2, name
    binary = normalize_digit(image > 127, ink="bright")
    assert ink_box(binary > 50) == pytest.approx(ink_box(reference > 50), abs=2)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="ink must be"):
        normalize_digit(np.zeros((5, 5), np.uint8), ink="white")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dtype"):
        normalize_digit(np.zeros((5, 5), np.int32), ink="dark")
    with pytest.raises(ValueError, match="shape"):
        normalize_digit(np.zeros((5, 5, 2), np.uint8), ink="dark")


def test_batch_version_matches_single(mnist_1000):
    images = mnist_1000[0][:5]
    batch = normalize_digits(images, ink="bright")
    assert batch.shape == (5, CANVAS, CANVAS)
    for image, out in zip(images, batch, strict=True):
        np.testing.assert_array_equal(out, normalize_digit(image, ink="bright"))
    assert normalize_digits([], ink="bright").shape == (0, CANVAS, CANVAS)


def test_ink_map_background_is_zero_and_peak_is_one():
    crop = drawn_seven(50, 40, 4)
    values = ink_map(crop, ink="dark")
    assert values.max() == pytest.approx(1.0)
    assert np.median(values) == pytest.approx(0.0)


def test_guess_ink(mnist_1000):
    assert guess_ink(mnist_1000[0][0]) == "bright"
    assert guess_ink(255 - mnist_1000[0][0]) == "dark"
    assert guess_ink(drawn_seven(50, 40, 4)) == "dark"
