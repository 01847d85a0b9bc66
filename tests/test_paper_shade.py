"""A page in soft shade is page, a desk beside it is not (camdigit.core.paper_shade)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camdigit.core.classifier import DigitClassifier
from camdigit.core.finder import FinderConfig
from camdigit.core.ink import find_ink
from camdigit.core.paper_shade import bridged_ground, bright_level, dim_ground, off_page
from camdigit.core.paper_windows import paper_level
from camdigit.core.pipeline import Recognizer
from camdigit.core.pixels import shrunk

LIT = 235.0
DESK = 110.0
PAGE = (slice(60, 420), slice(80, 560))  # rows, columns of the page in a 480 x 640 frame


def shaded_page(seed: int = 0, shade: float = 0.5, shade_to: int = 100) -> np.ndarray:
    """A grey grainy desk, a page on it lit on the right and falling off gradually over 300
    px to ``shade`` of the light on the left, up to x = ``shade_to`` (a hand's or a head's soft
    shadow)."""
    rng = np.random.default_rng(seed)
    grain = cv2.GaussianBlur(rng.normal(0, 1, (480, 640)).astype(np.float32), (0, 0), 3)
    frame = DESK + 15 * grain / grain.std()  # the desk's grain
    columns = np.arange(640, dtype=np.float32)[None, :]
    light = np.clip(shade + (1 - shade) * (columns - shade_to) / 300, shade, 1.0)
    frame[PAGE] = (LIT * light + rng.normal(0, 2, (480, 640)))[PAGE]
    return np.clip(frame, 0, 255).astype(np.uint8)


def pencil(
    frame: np.ndarray,
    image: np.ndarray,
    x: int,
    y: int,
    side: int,
    depth: float = 0.35,
    thicken: int = 1,
) -> tuple:
    """An MNIST digit written in pencil: at most ``depth`` (0.35) darker than the paper under it
    (lighter than the dim-ground rule's 0.45 of the paper), its stroke dilated by a square
    ``thicken`` pixels wide. Returns the ink's box."""
    digit = cv2.resize(image, (side, side), interpolation=cv2.INTER_LINEAR)
    digit = cv2.dilate(digit, np.ones((thicken, thicken), np.uint8))
    ys, xs = np.nonzero(digit > 60)
    digit = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    h, w = digit.shape
    region = frame[y : y + h, x : x + w]
    region[:] = (region * (1 - depth * digit / 255)).astype(np.uint8)
    return x, y, w, h


def dim_and_off_page(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    cfg = FinderConfig()
    small, step = shrunk(gray)
    base = max(3, int(round(cfg.paper_window * min(gray.shape) / step)) | 1)
    paper = paper_level(small, base, cfg)
    bright = bright_level(paper)
    dim = dim_ground(paper, bright, cfg.dim_paper)
    assert dim is not None
    return dim, off_page(small, paper, dim, bright, base, cfg.faint_ratio)


def test_the_shaded_page_is_page_and_the_desk_stays_dim_ground():
    gray = shaded_page()
    dim, off = dim_and_off_page(gray)
    assert off is not None
    step = gray.shape[0] // dim.shape[0]
    shade = (240 // step, 120 // step)  # on the page, in the shade at half the light
    desk = (240 // step, 600 // step)
    assert dim[shade] and not off[shade]
    assert dim[desk] and off[desk]
    # where nothing is dim there is nothing to sort
    assert off_page(gray[:10, :10], gray[:10, :10], None, LIT, 3, 0.86) is None


def test_a_strip_of_desk_narrower_than_the_window_at_the_frames_edge_stays_dim():
    # a smooth dark desk 7 px wide (shrunk) between the lit page and the frame's right edge:
    # smooth and narrow, the closing would fill it if the frame went on beyond its edge
    small = np.full((120, 160), LIT, np.uint8)
    small[:, -7:] = DESK
    dim = small < 0.6 * LIT
    off = off_page(small, small, dim, LIT, 9, 0.86)
    assert off is not None and off[:, -7:].all()


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer(DigitClassifier())


def test_pencil_digits_in_the_pages_soft_shade_are_read(recognizer, mnist_1000):
    images, labels = mnist_1000
    gray = shaded_page()
    picks = [int(np.flatnonzero(labels == d)[0]) for d in (2, 0, 9, 4)]
    boxes = [pencil(gray, images[i], 100 + 50 * k, 200, 44) for k, i in enumerate(picks)]
    # the ink of the shade is found (the dim-ground rule would have dropped it all)
    mask = find_ink(gray, FinderConfig(), "dark")[1].mask > 0
    for x, y, w, h in boxes:
        assert mask[y : y + h, x : x + w].sum() >= 0.1 * w * h
    found = recognizer.process(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), still=True).detections
    for (x, y, _, _), i in zip(boxes, picks, strict=True):
        near = np.abs(found.boxes[:, 0] - x) + np.abs(found.boxes[:, 1] - y) <= 4
        at = found.digits[near].tolist()
        assert at == [labels[i]], (x, y, at)
    page = PAGE[1].start + 4, PAGE[1].stop - 4  # nothing else read on the page
    on_page = [b for b in found.boxes if page[0] <= b[0] and b[0] + b[2] <= page[1]]
    assert len(on_page) == len(boxes), on_page


def test_the_band_of_desk_a_wider_window_bridges_along_a_side_is_ground():
    # a strip of paper on a desk: desk bands 20 px deep above and below it, desk on its right;
    # a window 31 wide bridges the bands (not the desk on the right), which then read as ink
    # running out of the frame
    cfg = FinderConfig()
    paper = np.full((100, 200), 100, np.uint8)
    paper[20:80, :150] = 235
    wider = paper.copy()
    wider[:, :150] = 235
    desk = paper < 200
    ground = bridged_ground(desk, paper, wider, 31, 235.0, cfg)
    assert ground is not None
    assert ground[:15, :140].all() and ground[-15:, :140].all()  # the bands, as far as it reaches
    assert not ground[20:80].any()  # not the page, nor the desk beside it the window leaves
    # the same bands bridged whole, with no desk beyond the window's reach: a shade, a
    # stroke's middle, not told from desk by anything seen
    assert bridged_ground(desk[:, :150], paper[:, :150], wider[:, :150], 31, 235.0, cfg) is None


def felt_pen(frame: np.ndarray, image: np.ndarray, x: int, y: int, side: int) -> tuple:
    """An MNIST digit written with a felt pen: its stroke thickened to about a sixth of its
    height, half as dark as the paper under it (a blue pen's ink, whose contrast a shade keeps:
    in a shade at half the light, only just past the dim-ground rule's 0.45). Returns the
    ink's box."""
    return pencil(frame, image, x, y, side, depth=0.5, thicken=5)


def test_a_felt_pens_digits_in_the_pages_deep_shade_are_read(recognizer, mnist_1000):
    # thick strokes mark more than SPARSE of the ground around them: the ground there is no
    # longer "gradual", and the pocket it leaves in the page in shade was taken for dim ground
    # (the dim-ground rule then kept only the strokes' darkest middles: a 2 read as nothing)
    images, labels = mnist_1000
    gray = shaded_page(shade=0.45, shade_to=300)
    picks = [int(np.flatnonzero(labels == d)[0]) for d in (2, 7, 3)]
    boxes = [felt_pen(gray, images[i], 120 + 60 * k, 190, 56) for k, i in enumerate(picks)]
    dim, off = dim_and_off_page(gray)
    step = gray.shape[0] // dim.shape[0]
    for x, y, w, h in boxes:
        inside = (slice(y // step, (y + h) // step), slice(x // step, (x + w) // step))
        assert dim[inside].all() and off is not None and not off[inside].any()
    found = recognizer.process(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), still=True).detections
    for (x, y, _, _), i in zip(boxes, picks, strict=True):
        near = np.abs(found.boxes[:, 0] - x) + np.abs(found.boxes[:, 1] - y) <= 4
        assert found.digits[near].tolist() == [labels[i]], (x, y, found.digits[near])


def test_a_dark_thing_lying_on_the_shaded_page_stays_dim_ground():
    # a phone on the page in shade: smooth inside, but met at its edge in a step; and a
    # pocket of dense strokes in the shade (smooth, no step): page
    small = np.full((120, 160), LIT, np.uint8)
    columns = np.arange(160, dtype=np.float32)[None, :].repeat(120, 0)
    small[:] = (LIT * np.clip(0.45 + 0.55 * (columns - 20) / 80, 0.45, 1.0)).astype(np.uint8)
    paper = small.copy()
    small[30:60, 20:50] = 40  # the phone
    for row in range(80, 100, 3):  # the strokes: every third row, over the shaded paper
        small[row, 20:50] = (small[row, 20:50] * 0.5).astype(np.uint8)
    dim = paper < 0.6 * LIT
    dim[30:60, 20:50] = True
    off = off_page(small, paper, dim, LIT, 9, 0.86)
    assert off is not None
    assert off[35:55, 25:45].all()  # the phone
    assert not off[80:100, 20:50].any()  # the strokes' pocket
