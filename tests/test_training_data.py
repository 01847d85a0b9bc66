"""The training-data generators: negatives (class 10, "not a digit") and the extra pens.

Fast and without TensorFlow. The properties are measured here independently of the
generators' own checks, on the normalized crops the model will see or, where a size in pixels
matters (a pen's width), on the raw redraw before normalization.
"""

from __future__ import annotations

import string

import cv2
import numpy as np
import pytest

from camdigit.core.cuts import cut_paths
from camdigit.core.preprocess import normalize_digits
from camdigit.training import (
    european_digits,
    negative_characters,
    negative_cursive,
    negative_digits,
    negative_doodles,
    negative_render,
    negatives,
    pens,
)
from camdigit.training.negative_characters import (
    ALLOWED_CHARACTERS,
    ASCII_SYMBOLS,
    EXCLUDED_CHARACTERS,
    LETTERS,
    READ_AS_DIGIT,
    UNICODE_SYMBOLS,
    WORDS,
)
from camdigit.training.negative_render import has_loop, polylines, tight
from camdigit.training.negatives import NEGATIVE_KINDS, make_negatives

from .conftest import run_python

PER_KIND = 12


@pytest.fixture(scope="module")
def digits(mnist_1000) -> np.ndarray:
    return mnist_1000[0]


@pytest.fixture(scope="module")
def every_kind(digits) -> tuple[np.ndarray, np.ndarray]:
    return make_negatives(np.random.default_rng(5), digits, PER_KIND * len(NEGATIVE_KINDS))


def _of_kind(every_kind, kind: str) -> np.ndarray:
    images, which = every_kind
    return images[which == NEGATIVE_KINDS.index(kind)]


def _bar_like(image: np.ndarray) -> bool:
    """A straight narrow near-vertical shape: a 1 (spread ratio < 0.3, within 35 deg of up)."""
    ys, xs = np.nonzero(image > 128)
    values, vectors = np.linalg.eigh(np.cov(np.stack([xs, ys]).astype(float)))
    ratio = np.sqrt(max(values[0], 0.0) / values[1])
    off_vertical = np.degrees(np.arccos(min(1.0, abs(vectors[1, 1]))))
    return bool(ratio < 0.3 and off_vertical < 35)


def _aspect(image: np.ndarray) -> float:
    _, _, w, h = cv2.boundingRect((image > 64).astype(np.uint8))
    return max(w, h) / max(min(w, h), 1)


def _masses(image: np.ndarray) -> int:
    count, labels = cv2.connectedComponents((image > 64).astype(np.uint8))
    sizes = np.bincount(labels.ravel())[1:]
    return int((sizes >= 0.1 * sizes.sum()).sum()) if count > 1 else 0


# --- make_negatives ----------------------------------------------------------------------------


def test_every_kind_comes_normalized(every_kind):
    images, which = every_kind
    n = PER_KIND * len(NEGATIVE_KINDS)
    assert images.shape == (n, 64, 64) and images.dtype == np.uint8
    assert which.shape == (n,) and which.dtype == np.int64
    assert set(which.tolist()) == set(range(len(NEGATIVE_KINDS)))
    for image, k in zip(images, which, strict=True):
        if NEGATIVE_KINDS[k] != "empty":
            assert image.max() == 255, NEGATIVE_KINDS[k]
        else:
            assert image.max() in (0, 255)


def test_kind_indices_point_into_the_kinds_given(digits):
    kinds = ("line", "blob", "grid")
    images, which = make_negatives(np.random.default_rng(1), digits, 30, kinds, (1, 0, 3))
    assert images.shape == (30, 64, 64)
    assert set(which.tolist()) <= {0, 2} and 2 in which
    empty, none = make_negatives(np.random.default_rng(1), digits, 0)
    assert empty.shape == (0, 64, 64) and none.shape == (0,)


def test_no_negative_is_a_bare_bar(every_kind):
    images, which = every_kind
    bars = [
        NEGATIVE_KINDS[k]
        for image, k in zip(images, which, strict=True)
        if image.max() and _bar_like(image)
    ]
    assert bars == []


def test_pieces_keep_at_most_three_quarters_of_their_digit(digits):
    rng = np.random.default_rng(2)
    for digit in digits[rng.choice(len(digits), 12, replace=False)]:
        source = np.repeat(digit[None], 3, axis=0)  # every piece comes from this digit
        for _ in range(3):
            piece = negative_digits._piece(rng, source)
            assert piece.shape == digit.shape and piece.dtype == np.uint8
            kept = piece.astype(float).sum() / digit.astype(float).sum()
            assert 0.1 <= kept <= 0.75
            assert not _bar_like(normalize_digits(piece[None], ink="bright")[0])


def test_pairs_are_several_digits_wide_or_tall(every_kind):
    pairs = _of_kind(every_kind, "pair")
    assert len(pairs) > 0
    for image in pairs:
        assert _masses(image) >= 2 or _aspect(image) >= 1.25


def test_same_seed_same_negatives(digits):
    a = make_negatives(np.random.default_rng(9), digits, 25)
    b = make_negatives(np.random.default_rng(9), digits, 25)
    c = make_negatives(np.random.default_rng(10), digits, 25)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kinds": ("piece", "scribbles")},
        {"kinds": ()},
        {"kinds": ("line", "blob"), "weights": (1.0,)},
        {"kinds": ("line", "blob"), "weights": (1.0, -1.0)},
        {"count": -1},
    ],
)
def test_bad_arguments_are_refused(digits, kwargs):
    args = {"count": 3, **kwargs}
    with pytest.raises(ValueError):
        make_negatives(np.random.default_rng(0), digits, **args)


def test_digit_kinds_need_digits():
    no_digits = np.zeros((0, 28, 28), np.uint8)
    with pytest.raises(ValueError):
        make_negatives(np.random.default_rng(0), no_digits, 2, kinds=("pair",))
    images, _ = make_negatives(np.random.default_rng(0), no_digits, 2, kinds=("grid",))
    assert images.shape == (2, 64, 64)


# --- the alphabet ------------------------------------------------------------------------------


def test_no_character_a_person_reads_as_a_digit():
    for c in "OoQDIlijJSsZzbgqGBTtyY|":
        assert c in READ_AS_DIGIT and c in EXCLUDED_CHARACTERS
    assert not set(ALLOWED_CHARACTERS) & set(EXCLUDED_CHARACTERS)
    assert not set(ALLOWED_CHARACTERS) & set(string.digits)
    assert set(LETTERS) | set(ASCII_SYMBOLS) | set(UNICODE_SYMBOLS) == set(ALLOWED_CHARACTERS)
    assert all(ch in LETTERS for word in WORDS for ch in word) and len(WORDS) >= 20
    assert all(ord(c) < 128 for c in ASCII_SYMBOLS)  # the Hershey fonts draw ASCII only


def test_drawn_text_uses_the_allowed_alphabet_only():
    rng = np.random.default_rng(4)
    seen = set()
    for _ in range(400):
        seen.update(negative_characters._text(rng, ALLOWED_CHARACTERS, 0.3))
    assert seen <= set(ALLOWED_CHARACTERS) and len(seen) > 40


def test_truetype_fonts_draw_every_symbol():
    slanted, upright = negative_characters._ttf_paths()
    if not upright:
        pytest.skip("no Pillow or matplotlib: letters use Hershey fonts only")
    for path in slanted + upright:
        assert negative_characters._has_glyphs(path, ALLOWED_CHARACTERS), path


def test_cursive_letters_are_none_a_person_reads_as_a_digit():
    drawn = {name[0] for name in negative_cursive.LETTERS}
    assert not drawn & set(READ_AS_DIGIT) and not drawn & set(string.digits)
    assert {"a", "d", "e", "m", "n", "u", "w", "x"} <= drawn


def test_cursive_pens_run_from_a_hairline_to_a_marker():
    """One pen width per word, measured on the raw drawing against the letters' height."""
    rng = np.random.default_rng(3)
    shares, widths = [], []
    for _ in range(60):
        strokes = negative_cursive._written(rng, ["n", "u"], joined=True)
        ink = (negative_cursive._render(rng, strokes) > 0.5).astype(np.uint8) * 255
        widths.append(pens.stroke_width(ink))
        shares.append(widths[-1] / _ink_height(ink))
    shares_array = np.array(shares)
    assert min(widths) <= 2.0  # a ballpoint's hairline
    assert shares_array.max() >= 0.12  # a marker's stroke
    assert np.mean(shares_array < 0.1) >= 0.45  # most are pens, not markers


def test_cursive_pieces_are_parts_of_words(every_kind):
    """Whole words are wide; the finder's cuts of them are one or two letters wide, and no
    normalized crop is empty."""
    rng = np.random.default_rng(8)
    ink = negative_cursive._render(rng, negative_cursive._written(rng, list("mnua"), True))
    piece = negative_cursive._window(rng, ink)
    rows = np.flatnonzero(ink.max(axis=1) > 0.1)
    assert ink.shape[1] > 2 * len(rows)  # four letters: more than twice as wide as tall
    assert piece.shape[1] <= 0.9 * len(rows) + 1 and piece.max() > 0.5
    assert all(image.max() == 255 for image in _of_kind(every_kind, "cursive"))


def test_finder_cut_pieces_are_parts_between_the_finders_own_cuts(digits):
    """A joined word is cut where :func:`cut_paths` cuts it: each piece is the word's ink
    between two of those cuts (or an end), a letter or two wide, never a bar or a loop."""
    rng = np.random.default_rng(11)
    ink = negative_cursive._render(rng, negative_cursive._written(rng, list("mwnm"), True))
    word = tight(ink)
    paths = cut_paths(word > 0.5, word.shape[0])
    assert len(paths) >= 3  # the joins of four arched letters
    bank = negative_digits.digit_bank(digits)
    columns = np.arange(word.shape[1])
    pieces = [negative_cursive._finder_piece(rng, ink, bank) for _ in range(12)]
    assert sum(piece is not None for piece in pieces) >= 9
    for piece in filter(lambda p: p is not None, pieces):
        mask = piece > 0.5
        assert piece.shape[1] < 0.6 * word.shape[1] and mask.sum() > 20
        assert not negative_render.is_bar(mask) and not negative_render.has_loop(mask, 0.2)
        bounds = [np.zeros(len(word), np.int64), *paths, np.full(len(word), columns[-1] + 1)]
        between = [
            word * ((columns >= a[:, None]) & (columns < b[:, None]))
            for i, a in enumerate(bounds)
            for b in bounds[i + 1 : i + 3]
        ]
        assert any(
            tight(part).shape == piece.shape and np.array_equal(tight(part), piece)
            for part in between
        )


def _drawn(strokes: list[np.ndarray], width: int = 4) -> np.ndarray:
    return polylines((110, 110), [s + 5 for s in strokes], width)


def _deep_dents(ink: np.ndarray, depth: float) -> int:
    """Concave notches in the outline deeper than ``depth`` of the shape's size."""
    contours, _ = cv2.findContours((ink > 0.5).astype(np.uint8), cv2.RETR_EXTERNAL, 2)
    outline = max(contours, key=cv2.contourArea)
    defects = cv2.convexityDefects(outline, cv2.convexHull(outline, returnPoints=False))
    size = max(cv2.boundingRect(outline)[2:])
    if defects is None:
        return 0
    return int((defects.reshape(-1, 4)[:, 3] / 256 > depth * size).sum())


def test_doodles_keep_what_tells_them_from_a_digit(every_kind):
    """A star has its points and a cloud its bumps (a smooth ring would be a 0), a smiley its
    face inside the ring, a spiral its turns; every doodle comes normalized."""
    rng = np.random.default_rng(4)
    for _ in range(5):
        assert _deep_dents(_drawn(negative_doodles._star(rng)), 0.15) == 5
        assert _deep_dents(_drawn(negative_doodles._cloud(rng)), 0.04) >= 5
        face = _drawn(negative_doodles._smiley(rng))
        parts, _ = cv2.connectedComponents((face > 0.5).astype(np.uint8))
        assert parts - 1 >= 4  # ring, two eyes, mouth
        (spiral,) = negative_doodles._spiral(rng)
        angle = np.unwrap(np.arctan2(spiral[:, 1] - 50, spiral[:, 0] - 50))
        assert abs(angle[-1] - angle[0]) >= 2 * 2 * np.pi
    doodles = _of_kind(every_kind, "doodle")
    assert len(doodles) and all(image.max() == 255 for image in doodles)


# --- pens --------------------------------------------------------------------------------------


def _ink_height(image: np.ndarray) -> int:
    rows = np.nonzero((image > 0.5 * image.max()).any(1))[0]
    return int(rows[-1] - rows[0] + 1)


def test_skeleton_of_a_bar_is_one_pixel_wide():
    bar = np.zeros((2, 40, 40), bool)
    bar[:, 5:35, 15:24] = True
    skeleton = pens.skeletonize(bar)
    assert skeleton.shape == bar.shape
    assert (skeleton.sum(axis=2)[:, 10:30] == 1).all()  # one pixel per row along the bar
    assert pens.stroke_width(bar[0].astype(np.uint8) * 255) == pytest.approx(9, abs=1.5)


def test_thin_pen_is_thin(digits):
    some = digits[:60]
    raw = pens.redraw(np.random.default_rng(0), some, "thin")
    widths = np.array([pens.stroke_width(image) for image in raw])
    heights = np.array([_ink_height(image) for image in raw])
    assert 0.9 <= widths.mean() <= 2.0 and np.percentile(widths, 90) <= 2.6
    assert heights.min() >= 14 and heights.max() <= 124
    thin = pens.thin_pen(np.random.default_rng(0), some)
    assert thin.shape == (60, 64, 64) and thin.dtype == np.uint8
    plain = normalize_digits(some, ink="bright")
    thin_width = np.mean([pens.stroke_width(image) for image in thin])
    plain_width = np.mean([pens.stroke_width(image) for image in plain])
    assert thin_width < 0.75 * plain_width


def test_marker_is_an_eighth_to_a_quarter_of_the_height(digits):
    raw = pens.redraw(np.random.default_rng(1), digits[:60], "marker")
    shares = np.array([pens.stroke_width(image) / _ink_height(image) for image in raw])
    assert 0.12 <= shares.mean() <= 0.25
    assert np.mean((shares >= 0.09) & (shares <= 0.32)) >= 0.9
    marker = pens.marker_pen(np.random.default_rng(1), digits[:10])
    assert marker.shape == (10, 64, 64) and marker.max() == 255


def _flag(image: np.ndarray) -> float:
    """How far the widest of the top rows reaches left of the ink's top, beyond the usual row
    width: a European 1's flag."""
    mask = image > 128
    rows = np.nonzero(mask.any(1))[0]
    spans = [(np.nonzero(mask[r])[0][0], np.nonzero(mask[r])[0][-1]) for r in rows]
    widths = np.array([b - a + 1 for a, b in spans])
    top = max(1, int(0.45 * len(rows)))
    widest = int(np.argmax(widths[:top]))
    top_x = np.nonzero(mask[rows[0]])[0].mean()
    if spans[widest][0] >= top_x - 3:  # the wide row does not reach left of the top
        return 0.0
    return float(widths[widest] - np.median(widths))


def test_european_ones_have_a_flag_at_the_upper_left(mnist_1000):
    images, labels = mnist_1000
    ones = images[labels == 1][:60]
    european = european_digits.european_ones(np.random.default_rng(3), ones)
    assert european.shape == (len(ones), 64, 64) and european.dtype == np.uint8
    flags = np.array([_flag(image) for image in european])
    plain = np.array([_flag(image) for image in normalize_digits(ones, ink="bright")])
    assert np.mean(flags >= 4) >= 0.85
    assert np.mean(plain >= 4) <= 0.15


def _tail(image: np.ndarray) -> float:
    """How far the ink of the bottom fifth reaches right of the middle fifth's ink (its mean
    column), as a share of the ink's height: a 1's tail curling to the right."""
    mask = image > 128
    rows = np.nonzero(mask.any(1))[0]
    top, height = rows[0], rows[-1] - rows[0] + 1
    middle = mask[top + 2 * height // 5 : top + 3 * height // 5]
    bottom = mask[top + 4 * height // 5 : rows[-1] + 1]
    return (np.nonzero(bottom.any(0))[0].max() - np.nonzero(middle)[1].mean()) / height


def test_hooked_ones_curl_right_at_the_bottom_without_a_loop(mnist_1000):
    images, labels = mnist_1000
    ones = images[labels == 1][:60]
    hooked = european_digits.hooked_ones(np.random.default_rng(4), ones)
    assert hooked.shape == (len(ones), 64, 64) and hooked.dtype == np.uint8
    plain = normalize_digits(ones, ink="bright")
    tails = np.array([_tail(image) for image in hooked])
    plain_tails = np.array([_tail(image) for image in plain])
    assert np.mean(tails - plain_tails > 0.08) >= 0.8  # leaning 1s are left without a tail
    assert np.mean(tails >= 0.15) >= 0.75
    assert np.mean(plain_tails >= 0.15) <= 0.2
    assert not any(has_loop(image > 128) for image in hooked)


def _widest_middle_run(image: np.ndarray) -> float:
    """Longest run of ink in a row of the middle third, as a share of the ink's height."""
    mask = image > 128
    rows = np.nonzero(mask.any(1))[0]
    top, height = rows[0], rows[-1] - rows[0] + 1
    best = 0
    for r in range(top + height // 3, top + 2 * height // 3 + 1):
        edges = np.diff(np.concatenate([[0], mask[r].astype(np.int8), [0]]))
        runs = np.nonzero(edges == -1)[0] - np.nonzero(edges == 1)[0]
        best = max(best, int(runs.max(initial=0)))
    return best / height


def test_crossed_sevens_have_a_bar_through_the_middle(mnist_1000):
    images, labels = mnist_1000
    sevens = images[labels == 7][:60]
    crossed = european_digits.crossed_sevens(np.random.default_rng(6), sevens)
    assert crossed.shape == (len(sevens), 64, 64) and crossed.dtype == np.uint8
    runs = np.array([_widest_middle_run(image) for image in crossed])
    plain = np.array([_widest_middle_run(image) for image in normalize_digits(sevens, "bright")])
    assert np.mean(runs >= 0.35) >= 0.9
    assert np.mean(plain >= 0.35) <= 0.5


def test_bad_pen_is_refused(digits):
    with pytest.raises(ValueError):
        pens.redraw(np.random.default_rng(0), digits[:2], "brush")  # type: ignore[arg-type]


# --- the visual check and the imports ----------------------------------------------------------


def test_sheets_are_written(tmp_path, mnist_1000):
    images, labels = mnist_1000
    paths = negatives.write_sheets(tmp_path, images, labels, seed=1)
    names = {p.name for p in paths}
    assert {f"negative-{kind}.png" for kind in NEGATIVE_KINDS} <= names
    pens_drawn = ("thin", "marker", "european-1", "crossed-7", "hooked-1")
    assert {f"pen-{pen}.png" for pen in pens_drawn} <= names
    sheet = cv2.imread(str(tmp_path / "negative-pair.png"), cv2.IMREAD_GRAYSCALE)
    assert sheet is not None and sheet.shape == (8 * 66 + 2, 8 * 66 + 2)


def test_generators_never_import_tensorflow():
    probe = (
        "import sys, camdigit.training.negatives, camdigit.training.pens\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))"
    )
    result = run_python("-c", probe, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
