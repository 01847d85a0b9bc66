"""A bar a smear left of a thin pen's digit, read again with the faint rest of the digit."""

from __future__ import annotations

import cv2
import numpy as np

import camdigit.core.faint_rest as rest_module
import camdigit.core.ink_depth as depth_module
from benchmarks.photo_variants import moving
from benchmarks.run import score_results
from benchmarks.scenes import render_video
from camdigit.core.classifier import Classification, DigitClassifier
from camdigit.core.faint_rest import BarView, bar_views, faint_rest, read_rests
from camdigit.core.pipeline import Recognizer
from camdigit.core.proposals import proposals

PAPER = 200


def _page() -> np.ndarray:
    return np.full((240, 200), PAPER, np.uint8)


def _view(page: np.ndarray, box: tuple[int, int, int, int]) -> BarView:
    """What the finder keeps around the bar at ``box``, its ink what is darker than the ink
    level."""
    ink = cv2.compare(page, int(0.77 * PAPER), cv2.CMP_LT)
    return bar_views(page, ink, np.array([box]), np.array([float(PAPER)]), 14)[0]


def _nine() -> np.ndarray:
    """A 9 smeared along its stem: the stem dark, the loop a third as deep (ink at 80 and 160
    on paper at 200)."""
    page = _page()
    cv2.line(page, (80, 90), (80, 150), 80, 3)
    cv2.circle(page, (68, 102), 12, 160, 3)
    return page


BAR = (79, 89, 3, 62)


def test_a_bar_s_faint_loop_beside_it_is_its_rest():
    view = _view(_nine(), BAR)
    rest = faint_rest(view)
    assert rest is not None
    offsets, crop = rest
    x, y, w, h = (round(v * 62) for v in offsets)
    # the rest spans the loop and the stem, from the loop's left to the stem, the stem's height
    assert 79 + x <= 56 + 2 and 79 + x + w >= 81 and abs(y) <= 2 and abs(h - 62) <= 4
    assert crop.dtype == np.uint8 and crop.shape == (h + 4, w + 4)  # a crop's margin of 2 px
    assert crop[0].min() == 255 and crop.min() < 128  # white around the mark, ink inside


def test_a_2_s_diagonal_has_its_faint_arc_and_foot_as_its_rest_a_slanted_1_none():
    # a 2 smeared along its diagonal: the diagonal dark, its arc and its foot a third as deep
    page = _page()
    cv2.line(page, (108, 110), (84, 150), 80, 3)
    cv2.ellipse(page, (94, 98), (16, 14), 0, 180, 400, 160, 3)
    cv2.line(page, (84, 150), (120, 150), 160, 3)
    box = (83, 109, 27, 43)  # the diagonal's own box: 0.63 of its height wide
    rest = faint_rest(_view(page, box))
    assert rest is not None
    x, y, w, h = (round(v * 43) for v in rest[0])
    assert 83 + x <= 78 and 83 + x + w >= 120 and 109 + y <= 84 and 109 + y + h >= 151
    # the same stroke alone, a slanted 1: its rim only
    page = _page()
    cv2.line(page, (108, 110), (84, 150), 80, 3)
    assert faint_rest(_view(page, box)) is None


def test_a_1_alone_and_a_1_on_a_faint_line_have_no_rest():
    page = _page()
    cv2.line(page, (80, 90), (80, 150), 80, 3)
    view = _view(page, BAR)
    assert faint_rest(view) is None  # its own rim only: no wider
    cv2.line(page, (0, 120), (199, 120), 160, 2)  # a faint ruled line through it
    view = _view(page, BAR)
    assert faint_rest(view) is None  # runs on past a digit's reach
    # near the frame's top, its window is cut there: a loop clear of the border is the rest,
    # one running on to the border is cut (no digit's whole rest)
    page = _page()
    cv2.line(page, (80, 20), (80, 80), 80, 3)
    cv2.circle(page, (68, 32), 12, 160, 3)
    view = _view(page, (79, 19, 3, 62))
    assert view.gray.shape[0] < 62 * 3 and faint_rest(view) is not None
    cv2.line(page, (68, 0), (68, 20), 160, 3)
    assert faint_rest(_view(page, (79, 19, 3, 62))) is None


def _found(boxes: list[tuple[int, int, int, int]], view: BarView | None) -> object:
    found = proposals(np.array(boxes, np.int32), [np.full((20, 20), 255, np.uint8)] * len(boxes))
    found.data["bars"][0] = view
    return found


def _reading(digit: int, confidence: float, is_digit: float = 1.0):
    def classify(crops: list[np.ndarray]) -> Classification:
        n = len(crops)
        probabilities = np.full((n, 10), (1.0 - confidence) / 9, np.float32)
        probabilities[:, digit] = confidence
        return Classification(
            np.full(n, digit),
            np.full(n, confidence, np.float32),
            probabilities,
            np.full(n, is_digit, np.float32),
        )

    return classify


def test_a_1_whose_rest_reads_clearly_as_another_digit_is_replaced():
    # a bar (read 1) and a piece of the loop beside it (read 0) both inside the rest's box
    found = _found([BAR, (57, 91, 22, 22)], _view(_nine(), BAR))
    digits, confidences = np.array([1, 0]), np.array([0.99, 0.95])
    read_rests(found, digits, confidences, np.ones(2, bool), _reading(9, 0.97), 0.5)
    assert digits.tolist() == [9, 0]
    x, y, w, h = found.boxes[0].tolist()
    assert x <= 58 and x + w >= 81 and abs(y - 89) <= 2 and abs(h - 62) <= 4
    assert confidences[0] > 0.9 and confidences[1] == 0.0  # the piece goes with it
    assert found.data["crops"][0].shape == (h + 4, w + 4)


def test_a_rest_holding_a_whole_digit_beside_the_bar_leaves_the_1():
    # a blurred "01" (the 0's rim joins the 1's, the 0 found and read on its own), or a digit
    # of the row above whose rims joined the 1's in close rows: as tall as 0.6 of the bar
    found = _found([BAR, (57, 90, 22, 38)], _view(_nine(), BAR))
    digits, confidences = np.array([1, 0]), np.array([0.99, 0.99])
    read_rests(found, digits, confidences, np.ones(2, bool), _reading(9, 0.97), 0.5)
    assert digits.tolist() == [1, 0] and confidences.tolist() == [0.99, 0.99]
    assert found.boxes[0].tolist() == list(BAR)


def test_a_rest_in_doubt_or_read_as_1_or_no_digit_leaves_the_1():
    for classify in (_reading(9, 0.7), _reading(1, 0.99), _reading(9, 0.99, is_digit=0.2)):
        found = _found([BAR], _view(_nine(), BAR))
        digits, confidences = np.array([1]), np.array([0.99])
        read_rests(found, digits, confidences, np.ones(1, bool), classify, 0.5)
        assert digits.tolist() == [1] and found.boxes[0].tolist() == list(BAR)
    # a bar with no rest, or one not read now, is not read again
    calls = []

    def counting(crops: list[np.ndarray]) -> Classification:
        calls.append(len(crops))
        return _reading(9, 0.99)(crops)

    found = _found([BAR], None)
    read_rests(found, np.array([1]), np.array([0.99]), np.ones(1, bool), counting, 0.5)
    found = _found([BAR], _view(_nine(), BAR))
    read_rests(found, np.array([1]), np.array([0.99]), np.zeros(1, bool), counting, 0.5)
    read_rests(found, np.array([7]), np.array([0.99]), np.ones(1, bool), counting, 0.5)
    assert calls == []


def test_a_thin_pen_s_digits_smeared_along_their_stems_are_read_whole(mnist_1000, monkeypatch):
    # a hand-held camera's frame smeared 4 px up and down (too short a smear to be measured
    # and undone): the thin pen's strokes across the motion fade under the ink level, and the
    # digits fall to their stems, read as 1s
    video = render_video(*mnist_1000, 2, size=(640, 480), seconds=1.0, family="thin")
    frame = moving(4, 90.0, noise=2.0, seed=2)(video.frames[7])
    truth = video.truths[7]
    recognizer = Recognizer(DigitClassifier(threads=1))

    def score():
        return score_results([recognizer.process(frame, still=True)], [truth])

    # the ink thresholds scaled to the faded writing's depth keep most strokes whole
    both = score()
    assert both.truth == 30 and both.read >= 25 and both.false <= 2, both
    # with a dark pen's thresholds, the faint rests of the digits whose bars stand alone
    monkeypatch.setattr(depth_module, "REFERENCE", 1e-9)
    whole = score()
    monkeypatch.setattr(rest_module, "SURE", 1.01)  # no rest is ever sure: the bars stand
    bars = score()
    assert whole.truth == bars.truth == 30
    assert whole.read >= 15 and whole.read >= bars.read + 6, (whole, bars)
    assert whole.false <= 8 and whole.false <= bars.false - 10, (whole, bars)
