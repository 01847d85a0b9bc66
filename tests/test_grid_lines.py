"""A dark grid's lines: found whole, placed on their middles, erased no wider than they are."""

import cv2
import numpy as np
import pytest

from camdigit.core.grid_lines import alike_cells, grid_segments, hole_sides
from camdigit.core.ruled_lines import MAX_BAND, erase_lines, line_outlines
from camdigit.core.segmentation import all_contours

PITCH = 30


def _grid(thickness: int, size: int = 300, first: int = 14) -> np.ndarray:
    """A mask of a square grid, lines ``thickness`` px thick starting at first + k * PITCH."""
    mask = np.zeros((size, size), np.uint8)
    for k in range(0, size, PITCH):
        mask[k + first : k + first + thickness, :] = 255
        mask[:, k + first : k + first + thickness] = 255
    return mask


def _outer(mask: np.ndarray) -> np.ndarray:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return max(contours, key=cv2.contourArea)


@pytest.mark.parametrize("first", [14, 15])
@pytest.mark.parametrize("thickness, band", [(2, 3), (3, 3), (4, 5)])
def test_a_grid_line_is_placed_on_its_middle_with_its_own_width(thickness, band, first):
    # found on the halved copy (PITCH 30), between two pixels of the full one: measured across
    # from the nearest pixel, each pixel once (from between them, every second pixel was read
    # twice and the others not at all: a 3 px line starting on an odd row measured 2)
    mask = _grid(thickness, first=first)
    found = grid_segments(mask, _outer(mask), PITCH, MAX_BAND)
    assert found
    assert {b for _, b in found} == {band}  # the line's thickness, odd
    middles = first + np.arange(0, 300, PITCH) + (thickness - 1) / 2
    for segment, _ in found:
        (x0, y0), (x1, y1) = segment[:, 0, :]
        across = (y0 + y1) / 2 if abs(y1 - y0) < abs(x1 - x0) else (x0 + x1) / 2
        assert np.abs(middles - across).min() <= 0.5  # on a line's middle, to the pixel


def test_a_stroke_beside_a_grid_line_stays_when_the_line_goes():
    # a 2 px line at rows 134-135 and a stroke a pixel below it (rows 137-138): a band as
    # wide as the line's position is uncertain (5 px around a found edge) takes the stroke
    mask = _grid(2)
    mask[137:139, 70:100] = 255
    erased = erase_lines(mask, line_outlines(mask, 100))
    assert erased[137:139, 72:98].all()
    assert not erased[134:136, 200:280].any()  # the line itself is gone
    assert not erased[:, 254:256].any()


def test_a_tilted_grid_is_erased_along_its_lines():
    mask = _grid(2, 400)
    turn = cv2.getRotationMatrix2D((200, 200), 8, 1.0)
    tilted = cv2.warpAffine(mask, turn, (400, 400), flags=cv2.INTER_NEAREST)
    tilted = tilted[60:340, 60:340].copy()  # no corner the turn left empty
    found = grid_segments(tilted, _outer(tilted), PITCH, MAX_BAND)
    assert found
    erased = erase_lines(tilted, line_outlines(tilted, 100))
    # what is left is the lines' ends at the border (Hough's segments stop short of it)
    assert cv2.countNonZero(erased[10:-10, 10:-10]) < 0.01 * cv2.countNonZero(tilted)


def test_a_stroke_crossing_a_grid_line_is_mended_across_it_only():
    mask = _grid(2)
    cv2.line(mask, (75, 110), (85, 160), 255, 3)  # a digit's stem down across row 134's line
    erased = erase_lines(mask, line_outlines(mask, 100))
    assert erased[134:136, 79:83].any()  # the stem goes on across the line
    assert not erased[134:136, 90:100].any()  # the line beside it is gone
    count, _ = cv2.connectedComponents(erased[105:165, 65:95])
    assert count == 2  # the stem is one piece (and the background)


@pytest.mark.parametrize("pitch", [12, 30, 60])
def test_grid_lines_are_found_at_any_pitch(pitch):
    # found on a halved copy where its cells stay 10 px wide (pitch 30, 60), whole elsewhere
    mask = np.zeros((360, 360), np.uint8)
    for k in range(pitch // 2, 360, pitch):
        mask[k : k + 2, :] = 255
        mask[:, k : k + 2] = 255
    found = grid_segments(mask, _outer(mask), pitch - 2, MAX_BAND)
    rows = {
        round(float(s[:, 0, 1].mean())) for s, _ in found if abs(int(s[0, 0, 1] - s[1, 0, 1])) < 3
    }
    lines = set(range(pitch // 2, 360, pitch))
    assert all(min(abs(r - (k + 0.5)) for r in rows) <= 1 for k in lines)  # every line, placed
    erased = erase_lines(mask, line_outlines(mask, 100))
    assert cv2.countNonZero(erased[10:-10, 10:-10]) < 0.01 * cv2.countNonZero(mask)


def _same_outlines(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    pairs = zip(a, b, strict=True)
    return all(np.array_equal(p, q) and s == t and m == n for (p, s, m), (q, t, n) in pairs)


def test_line_outlines_from_the_callers_contours_are_those_it_finds_itself():
    # a grid, a ruled line, a ring (its hole is a line too) and speckles; the finder hands
    # over the contours and outer boxes it already has
    mask = _grid(2, 300)
    mask[:, 200:] = 0
    mask[250:252, 10:290] = 255
    cv2.rectangle(mask, (215, 20), (290, 200), 255, 3)
    rng = np.random.default_rng(3)
    ys, xs = rng.integers(0, 300, (2, 300))
    mask[ys, xs] = 255
    found = all_contours(mask)
    outer = [c for c, p in zip(*found, strict=True) if p < 0]
    boxes = np.array([cv2.boundingRect(c) for c in outer], np.int32)
    for longest in (60.0, 100.0):
        alone = line_outlines(mask, longest)
        assert len(alone) > 2
        assert _same_outlines(line_outlines(mask, longest, found, boxes), alone)
        assert _same_outlines(line_outlines(mask, longest, found), alone)


def test_a_sieve_keeps_its_holes_where_a_ruled_line_beside_it_goes():
    # a long blob pierced by a hundred small holes (a textured ground's mass: no hole has a
    # side 100 px long, so none is drawn along) above a ruled line: the line goes, the
    # sieve's middle and its holes stay as they were
    mask = np.zeros((200, 300), np.uint8)
    mask[150:152, 10:290] = 255
    mask[20:80, 10:290] = 255
    for k in range(100):
        mask[26 + (k // 20) * 10, 16 + (k % 20) * 13] = 0
    erased = erase_lines(mask, line_outlines(mask, 100))
    assert not erased[150:152, 20:280].any()
    assert np.array_equal(erased[30:70, 30:270], mask[30:70, 30:270])


def test_a_thick_grid_is_found_and_erased_whole():
    # a grid of 7 px lines 60 px apart (a thin grid photographed close, or at twice the
    # size): its lines are placed and measured across their whole thickness, and erased
    # whole; a search as narrow as for a 2 px line measured them thinner and left their edges
    mask = np.zeros((560, 560), np.uint8)
    for k in range(20, 560, 60):
        mask[k : k + 7, :] = 255
        mask[:, k : k + 7] = 255
    outlines = line_outlines(mask, 200)
    assert {band for _, length, band in outlines if length == 0.0} == {7}  # 7 px, odd
    erased = erase_lines(mask, outlines)
    assert cv2.countNonZero(erased[10:-10, 10:-10]) < 0.01 * cv2.countNonZero(mask)


def test_a_grid_line_resampled_thicker_than_the_others_is_erased_whole():
    # a grid resized by 1.33: most lines 3 px, one of its upright ones 4 px (a line lands on
    # three pixels or four); erased at the grid's 3 px, its fourth pixel stood in pieces
    # between the level lines, each read as a 1
    mask = _grid(3, first=15)
    mask[:, 78] = 255  # the line at columns 75-77
    outlines = line_outlines(mask, 100)
    bands = {band for _, length, band in outlines if length == 0.0}
    assert bands == {3, 5}  # the grid's lines as thick as they are, that one as its own
    erased = erase_lines(mask, outlines)
    assert not erased[10:-10, 70:84].any()
    assert cv2.countNonZero(erased[10:-10, 10:-10]) < 0.01 * cv2.countNonZero(mask)


def test_a_grids_cells_are_alike_a_numbers_loops_along_a_line_are_not():
    # graph paper: one blob, its cells of one size; a thin-pen number written touching a
    # cheque's line is one blob with as many holes (loops, and the gaps it closes with the
    # line), of every size: not a grid, so it still measures the writing's height
    contours, parents = all_contours(_grid(2, size=240))
    grid_cells = [c for c, p in zip(contours, parents, strict=True) if p >= 0]
    assert len(grid_cells) >= 8 and alike_cells(hole_sides(grid_cells))
    cheque = np.zeros((120, 400), np.uint8)
    cv2.line(cheque, (0, 100), (399, 100), 255, 2)  # the line
    for k, (w, h) in enumerate([(10, 30), (16, 14), (8, 20), (20, 40), (12, 12), (30, 24)]):
        x = 20 + 60 * k
        cv2.ellipse(cheque, (x, 100 - h), (w, h), 0, 0, 360, 255, 2)  # loops touching it
        cv2.line(cheque, (x + w, 100 - h), (x + w + 12, 100), 255, 2)  # a stroke closing a gap
    contours, parents = all_contours(cheque)
    loops = [c for c, p in zip(contours, parents, strict=True) if p >= 0]
    assert len(loops) >= 8 and not alike_cells(hole_sides(loops))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_webcams_graph_paper_with_writing_on_it_is_erased_whole(seed):
    # graph paper as a webcam sees it (cells 20 px, lines 2 px), rows of writing whose strokes
    # touch its lines: the Hough transform's walks along the strokes and the lines left the
    # lines between the rows in pieces it dropped, and kept 5-7% of the grid's ink (1% now)
    mask = np.zeros((540, 720), np.uint8)
    for k in range(5, 540, 20):
        mask[k : k + 2, :] = 255
    for k in range(5, 720, 20):
        mask[:, k : k + 2] = 255
    grid = cv2.countNonZero(mask)
    rng = np.random.default_rng(seed)
    strokes = np.zeros_like(mask)
    for row in range(45, 540, 80):
        for x in range(40, 680, 14):
            if rng.random() < 0.7:
                y = row + int(rng.integers(-8, 9))
                turn, length = rng.uniform(0, np.pi), rng.uniform(6, 14)
                end = (int(x + length * np.cos(turn)), int(y + length * np.sin(turn)))
                cv2.line(strokes, (x, y), end, 255, 2)
    mask |= strokes
    erased = erase_lines(mask, line_outlines(mask, 100))
    away = cv2.dilate(strokes, np.ones((9, 9), np.uint8)) == 0
    assert np.count_nonzero((erased > 0) & away) < 0.025 * grid
    assert np.count_nonzero(erased & strokes) > 0.8 * cv2.countNonZero(strokes)
