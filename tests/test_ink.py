"""The ink mask: what is kept of faint strokes (camdigit.core.ink)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.matching import score_frame
from benchmarks.scene_framings import FRAMINGS, framed
from benchmarks.scenes import render_scene, render_video
from camdigit.core.classifier import DigitClassifier
from camdigit.core.faint_ink import quiet_paper
from camdigit.core.finder import FinderConfig
from camdigit.core.glare import find_glare
from camdigit.core.ink import find_ink
from camdigit.core.paper_shade import bright_level
from camdigit.core.paper_windows import paper_level
from camdigit.core.pipeline import Recognizer
from camdigit.core.pixels import shrunk
from tests.pages import write_digit

PAPER = 220
FAINT = 180  # darker than the faint level of the paper (0.86), lighter than the ink level (0.77)
DARK = 110


def mask_of(page: np.ndarray) -> np.ndarray:
    return find_ink(page, FinderConfig(), "dark")[1].mask > 0


def pieces(mask: np.ndarray) -> int:
    return cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)[0] - 1


def test_a_faint_pen_stroke_dark_here_and_there_is_kept_whole():
    # a blurred thin pen's "S" curve: faint along its length, clearly ink at a few points
    page = np.full((200, 300), PAPER, np.uint8)
    curve = np.array(
        [
            [150 + 40 * np.cos(t), 100 + 60 * np.sin(t) * np.cos(t / 2)]
            for t in np.linspace(0.3, 5.8, 80)
        ],
        np.int32,
    )
    cv2.polylines(page, [curve], False, FAINT, 2)
    for point in curve[::20]:
        cv2.circle(page, tuple(int(v) for v in point), 1, DARK, -1)
    mask = mask_of(page)
    assert pieces(mask) == 1
    assert mask[page == FAINT].mean() > 0.95


def test_a_faint_line_the_writing_touches_stays_out():
    # a faint ruled line running across the page, touched by a faint stroke dark here and
    # there: kept whole, the line would join every digit it passes (the page's writing
    # reaches a pen's depth: a dark digit above the line)
    page = np.full((200, 300), PAPER, np.uint8)
    cv2.line(page, (0, 120), (299, 120), FAINT, 2)
    cv2.line(page, (150, 60), (150, 120), FAINT, 2)
    for y in (64, 90, 116):
        cv2.circle(page, (150, y), 1, DARK, -1)
    cv2.ellipse(page, (60, 50), (14, 22), 0, 0, 360, DARK, 2)
    mask = mask_of(page)
    assert mask[62:67, 150].all() and mask[114:119, 150].all()  # the stroke's dark ink
    assert not mask[120, :100].any() and not mask[120, 200:].any()


def test_dark_lines_with_faint_gaps_keep_their_gaps():
    # a printed box, dark but for faint stretches: the gaps stay open, so one box's lines do
    # not join every digit written in the boxes beside it
    page = np.full((200, 300), PAPER, np.uint8)
    cv2.rectangle(page, (40, 40), (260, 160), DARK, 2)
    page[39:42, 100:140] = FAINT
    page[158:162, 180:220] = FAINT
    assert pieces(mask_of(page)) == 2


def test_a_marker_stroke_crossing_wider_than_the_paper_window_stays_ink():
    # a marker "4" filling much of a 640x480 frame: its strokes fit the paper windows the
    # finder widens to, but where they cross (a blob wider than a stroke) the narrower window
    # took the crossing's middle for paper, and the digit fell into four pieces read as 1s
    for width in (20, 22, 24):
        page = np.full((480, 640), 222, np.uint8)
        arm = np.array([[95, 90], [75, 170], [165, 165]], np.int32)
        cv2.polylines(page, [arm], False, 65, width, cv2.LINE_AA)
        cv2.line(page, (150, 85), (120, 260), 65, width, cv2.LINE_AA)
        cv2.circle(page, (125, 165), int(width * 0.8), 65, -1, cv2.LINE_AA)
        mask = mask_of(page)
        assert pieces(mask) == 1, width
        assert mask[page <= 100].all(), width


def test_a_marker_digit_filling_a_small_frame_is_ink_to_its_middle():
    # a marker 0 and a 1 filling a 320x240 webcam frame, strokes 35-45 px wide: at the
    # narrowest paper windows only thin crescents at the strokes' ends stand out as ink, so
    # no stroke measured there asked for a wider window, and the digits were lost
    page = np.full((240, 320), 225, np.uint8)
    cv2.ellipse(page, (110, 120), (70, 90), 20, 0, 360, 40, 45, cv2.LINE_AA)
    cv2.line(page, (270, 40), (265, 190), 60, 36, cv2.LINE_AA)
    mask = mask_of(page)
    assert pieces(mask) == 2
    assert mask[page <= 100].mean() > 0.98


def test_a_marker_1_in_a_frame_barely_wider_than_three_strokes_is_ink_to_its_middle():
    # a stroke 24 px wide in a frame 77 px wide: windows doubling from the narrowest reach 63
    # px, short of three strokes (72), and only the stroke's ends were ink; the widest window
    # is the frame's own width
    page = np.full((160, 77), 215, np.uint8)
    cv2.line(page, (37, 25), (39, 135), 45, 24, cv2.LINE_AA)
    mask = mask_of(page)
    assert pieces(mask) == 1
    assert mask[page <= 100].mean() > 0.98


def test_a_marker_number_running_out_of_the_frames_sides_is_ink_to_its_middle():
    # marker 0s written touching, the first and the last cut by the frame's sides (a strip
    # held close, framed upright): one blob touching the border, whose strokes ask for a
    # wider paper window; a blob on the border was never given one (a desk around the page
    # reaches the border), and nothing of the number was ink but its rims
    page = np.full((240, 540), 222, np.uint8)
    for x in range(-10, 540, 105):
        cv2.ellipse(page, (x, 120), (55, 80), 0, 0, 360, 60, 26, cv2.LINE_AA)
    mask = mask_of(page)
    assert pieces(mask) == 1
    assert mask[page <= 100].mean() > 0.98


@pytest.mark.parametrize("seed", [28, 30])
def test_a_light_pens_digits_are_ink_where_the_writing_around_is_faint(mnist_1000, seed):
    # the first frame of a hand-held video of a light ballpoint on squared paper: its strokes
    # reach the clear-ink level only here and there, and fell apart into pieces read as 1s;
    # halfway between the paper and the darkest ink around them they are whole
    video = render_video(*mnist_1000, seed, size=(640, 480), seconds=0.2, family="thin")
    truth = video.truths[0]
    result = Recognizer(DigitClassifier()).process(video.frames[0], still=True)
    score = score_frame(
        result.detections, result.numbers, truth.boxes, truth.labels, truth.partial, truth.numbers
    )
    assert score.read_accuracy >= 0.99, score.as_dict()
    assert score.false == 0, score.as_dict()


def _write_faint(page: np.ndarray, digit: np.ndarray, x: int, y: int, side: int, depth: int):
    """Write an MNIST digit ``side`` px tall, its strokes at most ``depth`` levels below the
    paper; returns its ink's box."""
    scaled = cv2.resize(digit, (side, side), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    ys, xs = np.nonzero(scaled > 60)
    scaled = scaled[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = scaled.shape
    region = page[y : y + h, x : x + w]
    np.minimum(region, (PAPER - scaled / 255.0 * depth).astype(np.uint8), out=region)
    return x, y, w, h


@pytest.mark.parametrize("depth", [36, 44, 48])
def test_a_light_pencils_digits_are_ink_where_no_stroke_reaches_the_clear_level(mnist_1000, depth):
    # digits whose darkest is 0.78-0.84 of the paper (a light pencil, a faded ballpoint): at
    # most faint ink by a dark pen's thresholds (at 0.84, darker than the faint level only in
    # their strokes' middles), nowhere clear ink; the thresholds scaled to the writing's depth
    # take them for ink, and a ruled line under them, as faint (ink too, as a pen's ruled line
    # is), is no digit
    images, labels = mnist_1000
    page = np.full((260, 760), PAPER, np.uint8)
    cv2.line(page, (0, 220), (759, 220), PAPER - depth, 2)
    boxes = [_write_faint(page, images[20 + k], 40 + 115 * k, 60, 64, depth) for k in range(6)]
    mask = mask_of(page)
    for x, y, w, h in boxes:
        strokes = page[y : y + h, x : x + w] < 0.86 * PAPER
        assert mask[y : y + h, x : x + w][strokes].mean() > 0.8, (x, depth)
    result = Recognizer(DigitClassifier()).process(page, still=True)
    order = np.argsort(result.detections.boxes[:, 0])
    assert result.detections.digits[order].tolist() == labels[20:26].tolist()


def test_faint_writing_is_looked_for_on_quiet_paper_only():
    # paper with a camera's usual noise is quiet; a grainy ground whose own dips reach the
    # sensor's margin, or blurred noise, is not: marks a margin deep are the ground's there
    rng = np.random.default_rng(3)
    cfg = FinderConfig()

    def quiet(frame: np.ndarray) -> bool:
        small, step = shrunk(frame)
        base = max(3, int(round(cfg.paper_window * min(frame.shape) / step)) | 1)
        paper = paper_level(small, base, cfg)
        return quiet_paper(small, paper, cfg.faint_ratio, cfg.ink_margin)

    def grain(spread: float) -> np.ndarray:
        noise = rng.normal(PAPER, spread, (480, 640))
        return np.clip(noise, 0, 255).astype(np.uint8)

    assert quiet(grain(1.5))
    assert not quiet(grain(8.0))
    blurred = cv2.GaussianBlur(rng.integers(0, 256, (480, 640), dtype=np.uint8), (0, 0), 3)
    assert not quiet(blurred)


def test_faint_digits_on_a_speckled_ground_are_read_and_its_specks_are_not(mnist_1000):
    # faint digits (no clear ink by a dark pen's thresholds) on clean paper and on a speckled
    # ground: scaled to the writing's depth, the digits are ink on both; the specks, lighter
    # than a dark pen's faint level, stay out (clear ink is never shallower than that)
    images, labels = mnist_1000
    page = np.full((200, 760), PAPER, np.uint8)
    specks = np.random.default_rng(5).random((200, 380)) < 0.12  # lighter than the faint level
    page[:, 380:][specks] = PAPER - 20
    clean = [_write_faint(page, images[20 + k], 40 + 110 * k, 60, 64, 36) for k in range(3)]
    marked = [_write_faint(page, images[23 + k], 420 + 110 * k, 60, 64, 36) for k in range(3)]
    mask = mask_of(page)
    for x, y, w, h in clean + marked:
        assert mask[y : y + h, x : x + w].any(), x
    result = Recognizer(DigitClassifier()).process(page, still=True)
    d = result.detections
    # every digit reported is one written, and the speckled side's are read
    centres = d.boxes[:, :2] + d.boxes[:, 2:] / 2
    written = np.array(clean + marked)
    inside = (centres[:, None, 0] >= written[None, :, 0]) & (
        centres[:, None, 0] <= written[None, :, 0] + written[None, :, 2]
    )
    assert inside.any(axis=1).all(), d.boxes.tolist()
    right = d.boxes[:, 0] >= 380
    assert sorted(d.digits[right].tolist()) == sorted(labels[23:26].tolist())


def _glare_spot(shape: tuple[int, int], centre: tuple[int, int], added: float) -> np.ndarray:
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    r2 = ((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2) / 40.0**2
    return np.float32(added) * np.exp(-(r2**1.5))


def test_a_stroke_across_a_lamp_s_glare_is_ink_all_along():
    # a ring of clear ink (110 on paper 180, 0.61 of it) whose right half a reflection lifts by
    # up to 90 levels: there the stroke is at 200 on white, 0.78 of it, past the ink ratio
    # (0.77); measured as a share of the paper, the ring would break where the glare is
    page = np.full((240, 320), 180, np.uint8)
    cv2.circle(page, (150, 120), 45, 110, 4)
    stroke = page == 110
    lit = np.clip(page + _glare_spot(page.shape, (195, 120), 90.0), 0, 255).astype(np.uint8)
    under = stroke & (_glare_spot(page.shape, (195, 120), 90.0) > 60)
    assert under.sum() > 50 and (lit[under] / 255.0 > FinderConfig().ink_ratio).any()
    gray, ink = find_ink(lit, FinderConfig(), "dark")
    mask = ink.mask > 0
    assert mask[stroke].mean() > 0.95 and mask[under].all()
    assert pieces(mask) == 1
    # the frame handed on has the glare taken off: the stroke beneath it clear ink again, as
    # far as the white the camera clipped it to allows
    assert ink.gray is not None and gray is ink.gray
    assert np.median(gray[under]) < FinderConfig().ink_ratio * 180


def test_a_page_lit_unevenly_has_no_glare_taken_off():
    # light falling off by a quarter across the page: the brightest tenth is the lit page, and
    # nothing stands above it by more than its own light explains
    page = np.full((240, 320), 220, np.float32) * np.linspace(0.75, 1.0, 320)[None, :]
    page = page.astype(np.uint8)
    cv2.circle(page, (150, 120), 45, 100, 4)
    gray, ink = find_ink(page, FinderConfig(), "dark")
    assert ink.gray is None and gray is page
    assert (ink.mask > 0)[page == 100].mean() > 0.95


def test_a_reflection_wider_than_a_tenth_of_the_page_is_found_below_its_white_core():
    # a whiteboard (200) under a reflection that clips a fifth of the frame at white: the
    # brightest tenth is white itself; the lit board is found beneath it all the same
    board = np.full((120, 160), 200.0, np.float32)
    ys, xs = np.mgrid[0:120, 0:160]
    spot = 160.0 * np.exp(-((((xs - 80) ** 2 + (ys - 60) ** 2) / 28.0**2) ** 2))
    paper = np.clip(board + spot, 0, 255).astype(np.uint8)
    assert (paper == 255).mean() > 0.1 and bright_level(paper) == 255
    glare = find_glare(paper, bright_level(paper), 0.77, 14, 0.6)
    assert glare is not None and abs(glare.lit - 200) <= 10
    assert glare.clipped is not None and glare.clipped[60, 80] and not glare.clipped[0, 0]
    gray, small, level = glare.taken_off(paper, paper.copy(), paper.copy())
    assert np.abs(level.astype(int) - 200).max() <= 10


def test_a_white_scan_and_an_evenly_lit_page_have_no_glare():
    scan = np.full((120, 160), 255, np.uint8)
    scan[:20] = 240
    assert find_glare(scan, bright_level(scan), 0.77, 14, 0.6) is None
    page = (np.full((120, 160), 200.0) * np.linspace(0.8, 1.0, 160)[None, :]).astype(np.uint8)
    assert find_glare(page, bright_level(page), 0.77, 14, 0.6) is None


@pytest.mark.parametrize("width", [20, 24])
def test_a_marker_number_on_a_strip_lying_on_a_desk_is_ink_to_its_middle(width):
    # marker 0s touching each other on a strip of paper lying on a grey desk, the desk 35 px
    # deep above and below the strip: the window the strokes need bridges those bands, which
    # then read as ink joining the number to the frame's border, and a blob on the border was
    # never given a wider window (the number was lost whole)
    page = np.full((240, 960), 100, np.uint8)
    page[35:205, 290:670] = 235
    for x in range(330, 640, 75):
        cv2.ellipse(page, (x, 120), (38, 62), 15, 0, 360, 40, width, cv2.LINE_AA)
    mask = mask_of(page)
    assert mask[page <= 60].mean() > 0.98
    assert not mask[:30].any() and not mask[210:].any()  # the desk is no ink


@pytest.mark.parametrize("seed", [16, 30])
def test_marker_digits_on_a_strip_lying_on_a_desk_are_ink_to_their_middles(mnist_1000, seed):
    # the strip family's marker numbers on a desk (benchmarks.scene_framings' "desk"): measured
    # on one window's ink the strokes were too wide for it, measured on the next one's (the
    # strip's hairline edges joined to them) narrow enough for the last: the window was never
    # widened, and only specks of the digits (none of seed 16's) were ink
    image, _ = framed(render_scene(*mnist_1000, "strip", seed), FRAMINGS["desk"])
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    assert mask_of(gray)[gray < 60].mean() > 0.99


def shaded_row(mnist_1000, depth: float, blur: float) -> tuple[np.ndarray, np.ndarray, list, list]:
    """Six digits 44 px tall in a row on a 640x480 page, a shadow band 72 px wide across
    them (``depth`` of the light taken, its edges blurred ``blur`` px): the page, the band's
    cover (1 in its core), the digits' boxes and their labels."""
    images, labels = mnist_1000
    page = np.full((480, 640), 235, np.uint8)
    digits = [k for k in range(40) if labels[k] != 1][:6]
    boxes = [
        write_digit(page, images[k], 50 + 95 * i, 150 + 7 * (i % 2), 44)
        for i, k in enumerate(digits)
    ]
    band = np.zeros(page.shape, np.float32)
    cv2.fillPoly(band, [np.array([[-50, 134], [690, 194], [690, 266], [-50, 206]], np.int32)], 1.0)
    band = cv2.GaussianBlur(band, (0, 0), blur)
    shaded = (page * (1.0 - depth * band)).astype(np.uint8)
    return shaded, band, boxes, labels[digits].tolist()


@pytest.mark.parametrize(("depth", "blur"), [(0.6, 12), (0.6, 16), (0.7, 12)])
def test_a_shadow_band_across_a_row_of_digits_is_paper_and_its_digits_ink(mnist_1000, depth, blur):
    # a soft shadow band (an arm's, a phone's) 72 px wide across a row of 44 px digits, its
    # paper at 0.3-0.4 of the lit page's: a paper window three times its width took it for a
    # marker's stroke, and the whole band, digits and all, was one blob of ink (still so for
    # a band 0.7 deep blurred 16 px: its soft edges are so much of it that its core lies as
    # far below their level as a blurred stroke's body lies below its paler rim)
    shaded, band, boxes, labels = shaded_row(mnist_1000, depth, blur)
    mask = mask_of(shaded)
    written = np.zeros(shaded.shape, bool)
    for x, y, w, h in boxes:
        written[y - 4 : y + h + 4, x - 4 : x + w + 4] = True
        assert mask[y : y + h, x : x + w].any()
    core = band > 0.9  # the shadow's core, away from the writing, is no ink
    assert mask[core & ~written].mean() < 0.01
    result = Recognizer(DigitClassifier()).process(
        cv2.cvtColor(shaded, cv2.COLOR_GRAY2BGR), still=True
    )
    assert sorted(result.detections.digits.tolist()) == sorted(labels)


@pytest.mark.parametrize("depth", [0.5, 0.7])
def test_digits_in_a_hard_edged_shadow_are_read(mnist_1000, depth):
    # a lamp's hard shadow band (a pixel of penumbra) across a row of digits: the digits in
    # it, next to its edge, had the edge's step for their ground's grain, stood out 10-20
    # times that against the lit digits' 190 and were dropped as faint (one of six read)
    shaded, _, _, labels = shaded_row(mnist_1000, depth, 1.0)
    result = Recognizer(DigitClassifier()).process(
        cv2.cvtColor(shaded, cv2.COLOR_GRAY2BGR), still=True
    )
    assert sorted(result.detections.digits.tolist()) == sorted(labels)


def test_a_shadow_s_edge_beside_a_mark_is_no_grain_of_its_ground():
    # a mark on paper in shade (70), a hard shadow's edge passing above it, the lit paper
    # (235) beyond: its ground's grain is the shadowed paper's, as with no edge there
    from camdigit.core.crops import ink_contrast

    page = np.full((120, 120), 70, np.uint8)
    page[60:90, 55:60] = 10
    mask = (page < 40).view(np.uint8) * 255
    box = np.array([55, 60, 5, 30])
    alone = ink_contrast(page, mask, mask, box, 20, 70.0)
    edged = page.copy()
    edged[:50] = 235
    lit = ink_contrast(edged, mask, mask, box, 20, 70.0)
    assert lit[1] == pytest.approx(alone[1], abs=1e-3)
    assert lit[0] == pytest.approx(alone[0], rel=0.01)
    # a fabric's bright specks around a mark, reaching out of nothing, are its ground's grain
    specked = page.copy()
    for sx, sy in ((48, 52), (66, 70), (44, 84), (68, 96)):
        specked[sy : sy + 4, sx : sx + 4] = 235
    assert ink_contrast(specked, mask, mask, box, 20, 70.0)[1] > 2 * alone[1]
    # all the surroundings that much brighter: the mark's paper level was taken too low (in
    # a marker digit's strokes), and that bright ground is its ground still
    bright = np.full_like(page, 235)
    bright[mask > 0] = 10
    assert ink_contrast(bright, mask, mask, box, 20, 70.0)[1] > 0
