"""A photo taken sideways is read turned upright (camdigit.core.page_turns)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.matching import match
from benchmarks.scene_framings import turned
from benchmarks.scenes import render_scene
from camdigit.core.classifier import DigitClassifier
from camdigit.core.detections import Detections, FrameResult, Number
from camdigit.core.finder import DigitFinder, FinderConfig
from camdigit.core.ink import find_ink
from camdigit.core.lying_marks import (
    close_up_marks,
    lies_on_its_side,
    lying_number,
    lying_writing,
)
from camdigit.core.page_turns import (
    NUMBERED,
    QUARTERS,
    close_up_turn,
    kept_turned,
    numbered,
    read_turned,
    surely_covered,
    turned_back,
    weak,
)
from camdigit.core.pipeline import Recognizer


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer(DigitClassifier())


def _result(boxes, digits, confidences, classified: int) -> FrameResult:
    boxes = np.array(boxes, np.int32).reshape(-1, 4)
    found = Detections(
        boxes, np.array(digits, np.int64), np.array(confidences, np.float32), None, {}
    )
    numbers = [Number("".join(map(str, digits)), tuple(boxes[0].tolist()), (0,))] if digits else []
    return FrameResult("page", 0, 0.0, found, numbers, {"find": 1.0}, classified, still=True)


def _read_right(result: FrameResult, truth) -> int:
    found, whole = result.detections, ~truth.partial
    matched = match(found.boxes, truth.boxes[whole])
    return int(((matched >= 0) & (found.digits[matched.clip(0)] == truth.labels[whole])).sum())


@pytest.mark.parametrize("quarter", QUARTERS)
def test_boxes_read_in_a_turned_frame_are_turned_back_onto_their_ink(quarter):
    frame = np.zeros((120, 200), np.uint8)
    boxes = np.array([[10, 20, 15, 40], [150, 5, 30, 12], [0, 100, 7, 20]], np.int32)
    for x, y, w, h in boxes.tolist():
        frame[y : y + h, x : x + w] = 255
    seen = cv2.rotate(frame, quarter)
    count, _, stats, _ = cv2.connectedComponentsWithStats(seen)
    read = stats[1:, :4].astype(np.int32)  # each rectangle's box in the turned frame
    back = turned_back(_result(read, [1] * len(read), [1.0] * len(read), 3), quarter, frame.shape)
    assert sorted(back.detections.boxes.tolist()) == sorted(boxes.tolist())
    assert list(back.numbers[0].box) == back.detections.boxes[0].tolist()
    assert back.detections.digits.tolist() == [1] * len(read)


@pytest.mark.parametrize("quarter", QUARTERS)
def test_a_page_taken_sideways_is_read_as_it_stands_upright(recognizer, mnist_1000, quarter):
    scene = render_scene(*mnist_1000, "clean", 3, (640, 480))
    upright = _read_right(recognizer.process(scene.image, still=True), scene.truth)
    image, truth = turned(scene.image, scene.truth, quarter)
    assert lies_on_its_side(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), FinderConfig(), _propose)
    # as the camera gave it, few of its digits are read
    as_given = recognizer.process(image, still=True, turns=False)
    assert weak(as_given) and _read_right(as_given, truth) < 0.3 * upright
    # turned upright, as many as upright, their boxes on the sideways photo's digits
    result = recognizer.process(image, still=True)
    assert upright >= 0.9 * (~truth.partial).sum()
    assert _read_right(result, truth) >= upright - 1
    assert result.classified > as_given.classified  # the turned readings' crops counted too


def test_upright_writing_does_not_lie_on_its_side(mnist_1000):
    scene = render_scene(*mnist_1000, "clean", 3, (640, 480))
    gray = cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY)
    assert not lies_on_its_side(gray, FinderConfig(), _propose)
    # wide marks side by side (a line of cursive x's): a line across the frame, upright
    page = np.full((200, 300), 210, np.uint8)
    for k in range(6):
        cv2.ellipse(page, (40 + 45 * k, 100), (16, 9), 0, 0, 360, 40, 3)
    assert not lies_on_its_side(page, FinderConfig(), _propose)
    # the same marks one above the other
    assert lies_on_its_side(_sideways_page(), FinderConfig(), _propose)


def _propose(gray: np.ndarray) -> Detections:
    return DigitFinder().find(gray)


def _ink_marks(gray: np.ndarray) -> np.ndarray:
    cfg = FinderConfig()
    _, ink = find_ink(gray, cfg, cfg.ink)
    return cv2.connectedComponentsWithStats(ink.mask, connectivity=8)[2][1:, :4]


def test_a_grid_page_taken_sideways_lies_by_the_finders_marks_and_is_read_upright(
    recognizer, mnist_1000
):
    scene = render_scene(*mnist_1000, "grid", 5, (640, 480))
    upright = _read_right(recognizer.process(scene.image, still=True), scene.truth)
    image, truth = turned(scene.image, scene.truth, cv2.ROTATE_90_CLOCKWISE)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    # the grid's lines join the digits into one mark of ink, which tells no direction ...
    assert not lying_writing(_ink_marks(gray), gray.shape, FinderConfig())
    # ... the finder takes them off, and its marks lie on their side
    assert lies_on_its_side(gray, FinderConfig(), _propose)
    as_given = recognizer.process(image, still=True, turns=False)
    assert _read_right(as_given, truth) < 0.3 * upright
    assert upright >= 0.9 * (~truth.partial).sum()
    assert _read_right(recognizer.process(image, still=True), truth) >= upright - 1


@pytest.mark.parametrize(
    ("family", "seed", "lying"),
    [
        ("texture", 1, True),  # weak turned too: its numbers turn it
        ("texture", 4, True),  # upside down, its digits all counted, it held more writing
        ("grid", 7, False),  # a dark grid's marks tell no direction
    ],
)
def test_a_page_on_a_wall_or_a_dark_grid_taken_sideways_is_read_upright(
    recognizer, mnist_1000, family, seed, lying
):
    scene = render_scene(*mnist_1000, family, seed, (640, 480))
    upright = recognizer.process(scene.image, still=True)
    read_upright = _read_right(upright, scene.truth)
    false_upright = len(upright.detections) - read_upright
    image, truth = turned(scene.image, scene.truth, cv2.ROTATE_90_CLOCKWISE)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    assert lies_on_its_side(gray, FinderConfig(), _propose) == lying
    as_given = recognizer.process(image, still=True, turns=False)
    assert weak(as_given) and _read_right(as_given, truth) < 0.3 * read_upright
    result = recognizer.process(image, still=True)
    read = _read_right(result, truth)
    assert read_upright >= 0.9 * (~truth.partial).sum()
    assert read >= read_upright - 1
    assert len(result.detections) - read <= false_upright + 1


def _numbers_result(
    sizes: list[int], classified: int, confidence: float = 1.0, digit: int = 4
) -> FrameResult:
    """A reading of ``digit``s 20 px tall in numbers of ``sizes`` digits each, ``classified``
    crops read."""
    count = sum(sizes)
    boxes = np.array([[10 + 30 * k, 20, 20, 20] for k in range(count)], np.int32).reshape(-1, 4)
    found = Detections(
        boxes, np.full(count, digit, np.int64), np.full(count, confidence, np.float32), None, {}
    )
    numbers, start = [], 0
    for size in sizes:
        members = tuple(range(start, start + size))
        numbers.append(Number("4" * size, tuple(boxes[start].tolist()), members))
        start += size
    return FrameResult("page", 0, 0.0, found, numbers, {"find": 1.0}, classified, still=True)


def test_a_weak_turned_reading_is_kept_where_its_digits_stand_in_numbers():
    first = _numbers_result([1, 1], 40)  # weak, two lone digits
    in_numbers = _numbers_result([3, 3], 40)  # weak too, but two numbers of three
    alone = _numbers_result([1] * 6, 40)  # as many digits, each alone
    assert weak(first) and weak(in_numbers) and weak(alone)
    assert numbered(in_numbers) == NUMBERED and numbered(alone) == 0
    assert kept_turned(in_numbers, first, first)
    assert not kept_turned(alone, first, first)
    # three times the first reading's digits in numbers, at least
    assert not kept_turned(in_numbers, first, _numbers_result([3], 40))
    # and most of its digits: a weave's threads read as digits, a few side by side
    assert not kept_turned(_numbers_result([3, 3] + [1] * 8, 60), first, first)
    # 1s side by side are a plank's seams as often as a number
    ones = _numbers_result([3, 3], 40, digit=1)
    assert numbered(ones) == 0 and not kept_turned(ones, first, first)
    # where the page's marks do not lie on their side, a reading not weak but of lone digits
    # does not turn it (an integral's strokes turned a quarter); numbers still do
    lone = _numbers_result([1] * 4, 5)
    assert not weak(lone)
    assert kept_turned(lone, first, first, lying=True)
    assert not kept_turned(lone, first, first, lying=False)
    assert kept_turned(in_numbers, first, first, lying=False)


def test_of_two_turned_readings_the_one_whose_sure_digits_hold_more_is_kept():
    sure = _numbers_result([3, 3], 6)
    doubtful = _numbers_result([4, 4], 8, confidence=0.95)  # more digits, each with doubt
    assert surely_covered(doubtful) == 0.0 < surely_covered(sure)
    assert not kept_turned(doubtful, sure, _numbers_result([1], 20))
    assert kept_turned(sure, doubtful, _numbers_result([1], 20))


def test_a_weak_reading_of_numbers_on_a_page_whose_marks_stand_upright_is_not_turned():
    def look(frame: np.ndarray) -> FrameResult:
        raise AssertionError("not to be read turned")

    upright = np.ascontiguousarray(_sideways_page().T)  # marks taller than wide, side by side
    first = _numbers_result([3, 3], 40)  # weak, but its digits stand in numbers
    assert read_turned(look, upright, first, FinderConfig(), _propose) is first
    seen = []

    def looked(frame: np.ndarray) -> FrameResult:
        seen.append(frame.shape)
        return _numbers_result([1], 20)

    lone = _numbers_result([1, 1], 40)  # weak, its digits alone: looked at turned, kept
    kept = read_turned(looked, upright, lone, FinderConfig(), _propose)
    assert seen == [(200, 300), (200, 300)]
    assert kept.detections.boxes.tolist() == lone.detections.boxes.tolist()


def _sideways_page() -> np.ndarray:
    """Marks wider than tall, one above the other: a line of writing seen sideways, as far as
    the marks tell."""
    page = np.full((200, 300), 210, np.uint8)
    for k in range(6):
        cv2.ellipse(page, (150, 22 + 30 * k), (16, 9), 0, 0, 360, 40, 3)
    return page


def test_a_turned_reading_is_kept_only_where_its_digits_hold_more_and_it_is_not_weak():
    page = _sideways_page()

    def first() -> FrameResult:
        return _result([[30, 80, 40, 20]], [4], [0.9], 20)  # weak: 1 digit of 20 crops

    seen = []

    def better(frame: np.ndarray) -> FrameResult:
        seen.append(frame.shape)  # more writing, most of its crops reported
        boxes = [[10, 20, 20, 40], [40, 20, 20, 40], [70, 20, 20, 40]]
        return _result(boxes, [7, 1, 2], [1.0, 1.0, 1.0], 3)

    kept = read_turned(better, page, first(), FinderConfig(), _propose)
    assert seen == [(300, 200), (300, 200)]  # a quarter each way
    # the first quarter's (clockwise), its boxes turned back, with the time and crops of all
    assert kept.detections.digits.tolist() == [7, 1, 2]
    assert kept.detections.boxes.tolist() == [
        [20, 170, 40, 20],
        [20, 140, 40, 20],
        [20, 110, 40, 20],
    ]
    assert kept.numbers[0].box == (20, 170, 40, 20)
    assert kept.classified == 20 + 3 + 3 and kept.timings["find"] == 3.0

    def many(frame: np.ndarray) -> FrameResult:  # three times the writing, but weak itself
        return _result([[10, 20, 20, 40]] * 3, [7, 1, 2], [1.0, 1.0, 1.0], 40)

    def few(frame: np.ndarray) -> FrameResult:  # more writing, too few digits to tell
        return _result([[10, 20, 40, 80]] * 2, [7, 4], [1.0, 1.0], 2)

    def less(frame: np.ndarray) -> FrameResult:  # less writing than the first reading's
        return _result([[10, 20, 4, 4]], [7], [0.6], 1)

    for look in (many, few, less):
        kept = read_turned(look, page, first(), FinderConfig(), _propose)
        assert kept.detections.digits.tolist() == [4]


def test_a_reading_that_is_not_weak_is_not_turned():
    def look(frame: np.ndarray) -> FrameResult:
        raise AssertionError("not to be read turned")

    strong = _result([[30, 80, 40, 20]] * 2, [4, 4], [0.9, 0.9], 5)
    assert read_turned(look, _sideways_page(), strong, FinderConfig(), _propose) is strong


def test_a_close_up_lying_on_its_side_is_told_by_its_few_wide_marks():
    cfg, shape = FinderConfig(), (480, 640)

    def marks(*boxes) -> np.ndarray:
        return np.array(boxes, np.int32).reshape(-1, 4)

    lying_two = marks([60, 40, 300, 180], [60, 260, 280, 200])  # two digits on their side
    assert len(close_up_marks(lying_two, shape, cfg)) == 2
    # a 2 on its side may stand tall; one of two wide still tells
    assert len(close_up_marks(marks([60, 40, 300, 180], [60, 240, 180, 220]), shape, cfg)) == 2
    assert len(close_up_marks(marks([60, 40, 180, 300], [300, 40, 170, 280]), shape, cfg)) == 0
    assert len(close_up_marks(marks([60, 40, 300, 180]), shape, cfg)) == 1
    # a paper's specks are no digits of it; a mark the border cuts is not counted
    assert len(close_up_marks(marks([60, 40, 300, 180], [400, 400, 12, 10]), shape, cfg)) == 1
    assert len(close_up_marks(marks([0, 40, 300, 180], [60, 260, 280, 200]), shape, cfg)) == 1
    # a page seen closer: digits the border cuts beside the whole ones
    cut = marks([0, 40, 100, 200], [540, 300, 100, 200])
    assert len(close_up_marks(np.concatenate([lying_two, cut]), shape, cfg)) == 0
    ruled = marks([0, 10, 640, 3])  # a line across the frame is no digit the border cut
    assert len(close_up_marks(np.concatenate([lying_two, ruled]), shape, cfg)) == 2
    # three marks or more tell a direction by their places (lying_writing); none, nothing
    three = marks([60, 20, 200, 120], [60, 170, 200, 120], [60, 320, 200, 120])
    assert len(close_up_marks(three, shape, cfg)) == 0
    assert len(close_up_marks(marks(), shape, cfg)) == 0


def test_of_a_close_up_on_its_side_only_a_quarter_reading_each_mark_surely_is_kept():
    first = _result([], [], [], 10)
    marks = np.array([[20, 10, 160, 100], [20, 130, 150, 110]], np.int32)  # as the frame has them
    two = _result([[10, 20, 100, 160], [130, 20, 110, 150]], [4, 9], [1.0, 1.0], 4)
    assert close_up_turn([first, two], first, marks) == 1
    assert close_up_turn([two, first], first, marks) == 0
    # read as many digits surely upside down too (a 6 and a 9): which way is up is not told
    flipped = _result([[10, 20, 100, 160], [130, 20, 110, 150]], [6, 4], [1.0, 1.0], 4)
    assert close_up_turn([flipped, two], first, marks) is None
    # a digit more than the marks, or one read with doubt, is no whole reading of them
    extra = _result(
        [[10, 20, 50, 160], [60, 20, 50, 160], [130, 20, 110, 150]], [6, 1, 4], [1.0, 0.95, 1.0], 4
    )
    doubtful = _result([[10, 20, 100, 160], [130, 20, 110, 150]], [4, 9], [1.0, 0.8], 4)
    assert close_up_turn([extra, two], first, marks) == 1
    assert close_up_turn([doubtful, first], first, marks) is None
    # nor where the first reading's sure digits hold as much writing
    assert close_up_turn([first, two], two, marks) is None
    # nor where the first reading read one digit holding every mark, even with doubt
    whole_frame = _result([[0, 0, 200, 250]], [5], [0.8], 8)
    assert close_up_turn([first, two], whole_frame, marks) is None
    part = _result([[0, 0, 200, 100]], [7], [0.8], 8)  # a piece of the writing read
    assert close_up_turn([first, two], part, marks) == 1
    # any stroke turned upright reads as a 1, either way
    strokes = _result([[10, 20, 20, 160], [130, 20, 20, 150]], [1, 1], [1.0, 1.0], 4)
    assert close_up_turn([first, strokes], first, marks) is None


@pytest.mark.parametrize("seed", [1, 9])
@pytest.mark.parametrize("quarter", QUARTERS)
def test_a_close_up_of_two_digits_taken_sideways_is_read_upright(
    recognizer, mnist_1000, seed, quarter
):
    scene = render_scene(*mnist_1000, "closeup", seed, (640, 480))
    image, truth = turned(scene.image, scene.truth, quarter)
    assert len(truth.labels) == 2 and not truth.partial.any()
    result = recognizer.process(image, still=True)
    assert len(result.detections) == 2
    assert _read_right(result, truth) == 2


def test_a_close_up_whose_digits_read_surely_either_way_up_is_not_turned(recognizer, mnist_1000):
    scene = render_scene(*mnist_1000, "closeup", 6, (640, 480))  # an 8 and a 9
    image, truth = turned(scene.image, scene.truth, QUARTERS[0])
    assert sorted(truth.labels.tolist()) == [8, 9]
    assert len(recognizer.process(image, still=True).detections) == 0


def test_a_reading_of_no_crop_or_of_a_digit_with_no_digits_shape_is_weak():
    assert weak(_result([], [], [], 0))  # the finder proposed nothing
    column = [[10, 10, 40, 300]]  # a number written touching, lying on its side
    assert weak(_result(column, [8], [1.0], 2))
    assert not weak(_result(column, [1], [1.0], 2))  # a 1 may be that slim
    assert not weak(_result([[10, 10, 40, 100]], [8], [1.0], 2))


def test_a_number_written_touching_lying_on_its_side_is_one_column_mark():
    cfg, shape = FinderConfig(), (960, 240)

    def marks(*boxes) -> np.ndarray:
        return np.array(boxes, np.int32).reshape(-1, 4)

    assert lying_number(marks([40, 60, 150, 800], [10, 10, 20, 20]), shape, cfg)
    assert not lying_number(marks([40, 60, 150, 400]), shape, cfg)  # a digit's shape
    assert not lying_number(marks([40, 60, 6, 800]), shape, cfg)  # a pen's line, a 1
    assert not lying_number(marks([40, 0, 150, 800]), shape, cfg)  # the border cuts it
    assert not lying_number(marks(), shape, cfg)


@pytest.mark.parametrize("seed", [6, 9])
def test_a_strip_of_touching_digits_taken_sideways_is_read_upright(recognizer, mnist_1000, seed):
    scene = render_scene(*mnist_1000, "strip", seed, (640, 480))
    image, truth = turned(scene.image, scene.truth, QUARTERS[0])
    assert len(truth.labels) == 6 and not truth.partial.any()
    assert len(recognizer.process(image, still=True, turns=False).detections) == 0
    result = recognizer.process(image, still=True)
    assert _read_right(result, truth) == 6 and len(result.detections) == 6
