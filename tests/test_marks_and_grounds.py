"""Scene building blocks: non-digit marks (letters, symbols, scribbles) and textured grounds."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks import marks
from benchmarks.grounds import GROUND_KINDS, ground_image
from benchmarks.marks import (
    FORMULAS,
    GREEK_LETTERS,
    MARK_KINDS,
    SAFE_LETTERS,
    WORDS,
    random_mark,
    render_mark,
)

EXCLUDED = set("OoQDIlijJSsZzbgqGBTtyY")
"""Letters a person could read as a digit: the brief's list."""

SEEDS = range(12)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _ink_height(cov: np.ndarray) -> int:
    return cov.shape[0] - 2


def _stroke_width(cov: np.ndarray) -> float:
    """Mean stroke width of the binarized mark: twice the distance to the edge along its ridge."""
    ink = (cov >= 0.5).astype(np.uint8)
    dist = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    ridge = (dist > 0) & (dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8)))
    return float(2 * dist[ridge].mean() - 1)


# ---------------------------------------------------------------------------------------------
# Marks


@pytest.mark.parametrize("kind", MARK_KINDS)
def test_every_kind_renders_a_coverage_map(kind: str) -> None:
    for seed in SEEDS:
        cov = render_mark(_rng(seed), kind, 60, 3)
        assert cov.dtype == np.float32 and cov.ndim == 2
        assert cov.min() >= 0 and cov.max() <= 1
        assert cov.max() >= 0.9
        assert ((cov > 0) & (cov < 0.9)).any(), "edges are anti-aliased"


@pytest.mark.parametrize("kind", MARK_KINDS)
def test_marks_are_trimmed_to_their_ink_with_a_one_pixel_pad(kind: str) -> None:
    for seed in SEEDS:
        cov = render_mark(_rng(seed), kind, 45, 2)
        border = np.concatenate([cov[0], cov[-1], cov[:, 0], cov[:, -1]])
        assert border.max() == 0
        assert cov[1].max() > 0 and cov[-2].max() > 0
        assert cov[:, 1].max() > 0 and cov[:, -2].max() > 0


@pytest.mark.parametrize("kind", ["letter", "word", "printed", "crossing_out"])
def test_text_and_scribbles_are_about_height_tall(kind: str) -> None:
    for height in (30, 60, 100):
        for seed in SEEDS:
            ratio = _ink_height(render_mark(_rng(seed), kind, height, 2)) / height
            assert 0.5 <= ratio <= 1.3, (height, seed, ratio)


@pytest.mark.parametrize("kind", ["symbol", "doodle"])
def test_symbols_and_doodles_keep_their_own_size_within_bounds(kind: str) -> None:
    ratios = [_ink_height(render_mark(_rng(s), kind, 60, 2)) / 60 for s in range(60)]
    assert max(ratios) <= 1.45
    assert min(ratios) < 0.3, "small ones (a dot, a minus, an underline) are among them"
    assert max(ratios) > 0.9, "tall ones (a bracket, an integral, a star) too"


def test_marks_scale_with_height() -> None:
    for kind in MARK_KINDS:
        small = np.mean([_ink_height(render_mark(_rng(s), kind, 30, 1.5)) for s in SEEDS])
        large = np.mean([_ink_height(render_mark(_rng(s), kind, 90, 1.5)) for s in SEEDS])
        assert 2.2 < large / small < 3.8, kind


def test_words_are_wider_than_tall() -> None:
    for seed in SEEDS:
        cov = render_mark(_rng(seed), "word", 50, 2)
        assert cov.shape[1] > cov.shape[0]


def test_a_dot_is_about_two_pen_widths() -> None:
    dots = []
    for seed in range(300):
        cov = render_mark(_rng(seed), "symbol", 60, 3)
        if max(cov.shape) <= 12:
            dots.append(cov)
    assert dots, "some symbols are dots"
    assert all(5 <= max(d.shape) - 2 <= 10 for d in dots)


@pytest.mark.parametrize("kind", MARK_KINDS)
def test_marks_are_deterministic(kind: str) -> None:
    a = render_mark(_rng(5), kind, 50, 2)
    b = render_mark(_rng(5), kind, 50, 2)
    assert a.shape == b.shape and np.array_equal(a, b)
    others = [render_mark(_rng(s), kind, 50, 2) for s in range(6, 10)]
    assert any(o.shape != a.shape or not np.array_equal(o, a) for o in others)


def test_unknown_kind_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="crossing_out"):
        render_mark(_rng(0), "digit", 40, 2)
    with pytest.raises(ValueError, match="letter"):
        random_mark(_rng(0), 40, 2, kinds=("letter", "smudge"))


def test_random_mark_draws_from_the_given_kinds() -> None:
    rng = _rng(3)
    seen = {random_mark(rng, 40, 2)[0] for _ in range(200)}
    assert seen == set(MARK_KINDS)
    kind, cov = random_mark(rng, 40, 2, kinds=("doodle",))
    assert kind == "doodle" and cov.ndim == 2


@pytest.mark.parametrize("kind", ["letter", "word", "symbol", "crossing_out", "doodle"])
def test_the_pen_width_follows_stroke(kind: str) -> None:
    thin = [_stroke_width(render_mark(_rng(s), kind, 70, 1)) for s in SEEDS]
    thick = [_stroke_width(render_mark(_rng(s), kind, 70, 8)) for s in SEEDS]
    assert np.mean(thin) <= 2.5
    assert np.mean(thick) >= 5.0


def test_printed_text_is_thinner_with_a_thin_pen() -> None:
    thin = [_stroke_width(render_mark(_rng(s), "printed", 70, 1)) for s in SEEDS]
    thick = [_stroke_width(render_mark(_rng(s), "printed", 70, 12)) for s in SEEDS]
    assert np.mean(thin) < np.mean(thick)


def test_letters_never_include_digit_like_ones() -> None:
    assert not EXCLUDED & set(SAFE_LETTERS)
    assert len(SAFE_LETTERS) >= 20
    for word in WORDS:
        assert 2 <= len(word) <= 5, word
        assert set(word) <= set(SAFE_LETTERS), word
    for formula in FORMULAS:
        assert not EXCLUDED & set(formula), formula
        assert not set("0123456789") & set(formula), formula
    assert set(SAFE_LETTERS + GREEK_LETTERS) <= set(marks._GLYPHS)


def test_every_safe_letter_and_word_can_be_written() -> None:
    rng = _rng(0)
    for text in [*SAFE_LETTERS, *GREEK_LETTERS, *WORDS]:
        cov = marks._handwritten_text(rng, text, 40, 2, 10.0)
        assert cov.max() >= 0.9


def test_tiny_and_huge_marks_render() -> None:
    for kind in MARK_KINDS:
        assert render_mark(_rng(1), kind, 8, 1).max() >= 0.9
        assert render_mark(_rng(1), kind, 200, 12).max() >= 0.9


# ---------------------------------------------------------------------------------------------
# Grounds

SIZE = (320, 200)


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


@pytest.mark.parametrize("kind", GROUND_KINDS)
def test_grounds_are_float_bgr_images_of_the_size_asked(kind: str) -> None:
    for size in (SIZE, (97, 61)):
        image = ground_image(_rng(2), kind, size)
        assert image.shape == (size[1], size[0], 3)
        assert image.dtype == np.float32
        assert image.min() >= 0 and image.max() <= 255


@pytest.mark.parametrize("kind", GROUND_KINDS)
def test_grounds_are_textured(kind: str) -> None:
    for seed in range(4):
        grey = _grey(ground_image(_rng(seed), kind, SIZE))
        assert grey.std() > 6, (kind, seed)
        detail = grey - cv2.GaussianBlur(grey, (0, 0), 3)
        assert detail.std() > 3, (kind, seed)


def test_walls_are_bright_with_many_small_dark_specks() -> None:
    for seed in range(4):
        grey = _grey(ground_image(_rng(seed), "wall", SIZE))
        assert 110 < np.median(grey) < 235
        local = cv2.medianBlur(np.clip(grey, 0, 255).astype(np.uint8), 9).astype(np.float32)
        dark = (grey < local - 40).astype(np.uint8)
        count, _, stats, _ = cv2.connectedComponentsWithStats(dark)
        small = (stats[1:, cv2.CC_STAT_AREA] <= 30).sum()
        assert small >= 20, (seed, small)


@pytest.mark.parametrize("kind", GROUND_KINDS)
def test_grounds_are_deterministic(kind: str) -> None:
    a = ground_image(_rng(4), kind, SIZE)
    assert np.array_equal(a, ground_image(_rng(4), kind, SIZE))
    assert not np.array_equal(a, ground_image(_rng(5), kind, SIZE))


def test_ground_kinds_differ() -> None:
    images = {k: ground_image(_rng(7), k, SIZE) for k in GROUND_KINDS}
    for i, a in enumerate(GROUND_KINDS):
        for b in GROUND_KINDS[i + 1 :]:
            assert np.abs(images[a] - images[b]).mean() > 10, (a, b)


def test_unknown_ground_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="carpet"):
        ground_image(_rng(0), "marble", SIZE)


# ---------------------------------------------------------------------------------------------
# The visual check


def test_sheet_command_writes_marks_and_grounds(tmp_path) -> None:
    assert marks.main([str(tmp_path), "--seed", "2"]) == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {f"marks_{k}.png" for k in MARK_KINDS} <= names
    assert {f"ground_{k}.png" for k in GROUND_KINDS} <= names
