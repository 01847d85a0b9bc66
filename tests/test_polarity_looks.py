"""A still whose polarity is in doubt is read both ways (camdigit.core.polarity_looks)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.matching import match
from benchmarks.scene_framings import FRAMINGS, framed
from benchmarks.scenes import render_scene
from camdigit.core.classifier import DigitClassifier
from camdigit.core.detections import Detections, FrameResult
from camdigit.core.finder import DigitFinder, FinderConfig, to_gray
from camdigit.core.ink_polarity import light_ink, polarity
from camdigit.core.pipeline import Recognizer
from camdigit.core.polarity_looks import VideoPolarity, clearly_better, covered
from camdigit.core.tracking import DigitTracker


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer(DigitClassifier())


def _read_right(recognizer: Recognizer, image: np.ndarray, truth) -> tuple[int, int]:
    found = recognizer.process(image, still=True).detections
    whole = ~truth.partial
    matched = match(found.boxes, truth.boxes[whole])
    if not len(found):
        return 0, int(whole.sum())
    right = (matched >= 0) & (found.digits[matched.clip(0)] == truth.labels[whole])
    return int(right.sum()), int(whole.sum())


def test_a_marker_closeup_taken_for_light_writing_is_read_as_dark_ink(recognizer, mnist_1000):
    # the paper in the digit's loop and beside its strokes, narrower than the marker's strokes,
    # counts as light strokes: the frame was inverted and its digit never found
    scene = render_scene(*mnist_1000, "closeup", 38, (640, 480))
    assert light_ink(to_gray(scene.image), FinderConfig())  # the count is still fooled
    assert _read_right(recognizer, scene.image, scene.truth) == (1, 1)


@pytest.mark.parametrize("seed", [2, 8, 23])
def test_a_board_on_a_desk_taken_for_dark_ink_is_read_as_light_writing(
    recognizer, mnist_1000, seed
):
    # the board's corners, darker than the desk, outnumber the chalk's strokes: read as dark
    # ink on paper, nothing was found
    image, truth = framed(render_scene(*mnist_1000, "light", seed, (640, 480)), FRAMINGS["desk"])
    light, doubted = polarity(to_gray(image), FinderConfig())
    assert doubted and not light
    right, whole = _read_right(recognizer, image, truth)
    assert right >= 0.9 * whole


def test_a_board_on_a_desk_filmed_is_read_as_light_writing(mnist_1000):
    # a video's frames in doubt: the polarity judged on the first, kept for the next
    image, truth = framed(render_scene(*mnist_1000, "light", 2, (640, 480)), FRAMINGS["desk"])
    video = Recognizer(DigitClassifier(), tracker=DigitTracker())
    for index in range(3):
        found = video.process(image, index=index, seconds=index / 15).detections
    assert video.polarity.verdict is False and video.polarity.light
    whole = ~truth.partial
    matched = match(found.boxes, truth.boxes[whole])
    assert (matched >= 0).mean() >= 0.9
    video.reset()
    assert video.polarity.verdict is None


def test_a_videos_polarity_is_judged_once_while_the_count_says_the_same(mnist_1000):
    image, _ = framed(render_scene(*mnist_1000, "light", 2, (640, 480)), FRAMINGS["desk"])
    page = render_scene(*mnist_1000, "clean", 0, (640, 480)).image
    still = Recognizer(DigitClassifier())
    judged: list[str] = []

    def judge(finder: DigitFinder, copy) -> FrameResult:
        judged.append(finder.config.ink)
        return still._process(image, "", 0, 0.0, True, finder, copy)

    def read(finder: DigitFinder, copy) -> FrameResult:
        return _result([], [])

    memory = VideoPolarity()
    for _ in range(3):
        memory.read(read, judge, still.finder, image)
    assert judged == ["dark", "light"]  # the measured polarity, then the other: once
    memory.read(read, judge, still.finder, page)  # not in doubt: read as measured
    assert len(judged) == 2


def test_a_polarity_the_user_forced_is_not_read_the_other_way(mnist_1000):
    image, truth = framed(render_scene(*mnist_1000, "light", 2, (640, 480)), FRAMINGS["desk"])
    forced = Recognizer(DigitClassifier(), DigitFinder(FinderConfig(ink="dark")))
    assert _read_right(forced, image, truth)[0] == 0


def test_a_clear_page_is_not_in_doubt(mnist_1000):
    scene = render_scene(*mnist_1000, "clean", 0, (640, 480))
    assert polarity(to_gray(scene.image), FinderConfig()) == (False, False)


def _result(boxes: list[tuple[int, int, int, int]], digits: list[int]) -> FrameResult:
    found = Detections(
        np.array(boxes, np.int32).reshape(-1, 4),
        np.array(digits, np.int64),
        np.ones(len(digits), np.float32),
    )
    return FrameResult("frame", 0, 0.0, found, [])


def test_the_reading_holding_clearly_more_writing_wins_but_not_by_ones_alone():
    pieces = _result([(10, 10, 8, 17), (40, 10, 33, 53)], [1, 4])  # slivers of paper
    eights = _result([(0, 0, 150, 260), (200, 0, 150, 260)], [8, 8])
    assert covered(eights) == pytest.approx(2 * np.sqrt(150 * 260))
    assert clearly_better(pieces, eights)
    assert not clearly_better(eights, pieces)
    slivers = _result([(0, 0, 20, 200), (50, 0, 20, 200)], [1, 1])
    assert not clearly_better(_result([], []), slivers)  # only 1s: a stroke's paper beside it
    one_page = _result([(0, 0, 600, 400)], [5])  # the whole board read as one digit
    board = _result([(x, 10, 30, 40) for x in range(0, 600, 40)], [3] * 15)
    assert not clearly_better(board, one_page)
