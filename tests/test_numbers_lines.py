"""Numbers and lines as people write them: one rule per test, on digit boxes laid out by hand.

Digits are laid along a line like ink on paper: each digit's ink is an ellipse ``w x h`` (in
digit heights) standing on the line's baseline, turned with the line; its box is the upright box
of that ellipse. Gaps are between inks, in digit heights.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from benchmarks.frames import ArraySource
from benchmarks.matching import number_members, score_frame
from camdigit.core.classifier import DigitClassifier
from camdigit.core.detections import Detections, FrameResult, Number
from camdigit.core.lines import find_lines
from camdigit.core.number_history import NumberHistory
from camdigit.core.numbers import group_numbers
from camdigit.core.pipeline import Recognizer
from camdigit.core.tracking import DigitTracker
from camdigit.io.drawing import Annotator, Style
from camdigit.io.runner import format_numbers, number_lines, run

WIDE = {1: 0.15}  # a 1 is narrow; other digits 0.6 heights wide


def lay(
    text: str,
    gaps: list[float],
    start=(50.0, 100.0),
    height=40.0,
    angle=0.0,
    heights: list[float] | None = None,
) -> tuple[list[list[int]], list[int]]:
    """Boxes and digits of ``text`` written along a line from ``start`` (its baseline's left
    end) at ``angle`` degrees, ``gaps[k]`` heights of paper between digits k and k + 1."""
    assert len(gaps) == len(text) - 1
    t = math.radians(angle)
    along, across = np.array([math.cos(t), math.sin(t)]), np.array([-math.sin(t), math.cos(t)])
    boxes, position = [], 0.0
    for k, char in enumerate(text):
        h = height * (heights[k] if heights else 1.0)
        w = height * WIDE.get(int(char), 0.6)
        if k:
            position += gaps[k - 1] * height
        centre = np.array(start) + along * (position + w / 2) - across * (h / 2)
        half_w = math.hypot(w / 2 * math.cos(t), h / 2 * math.sin(t))
        half_h = math.hypot(w / 2 * math.sin(t), h / 2 * math.cos(t))
        boxes.append(
            [
                round(centre[0] - half_w),
                round(centre[1] - half_h),
                round(2 * half_w),
                round(2 * half_h),
            ]
        )
        position += w
    return boxes, [int(c) for c in text]


def page(*written: tuple[list[list[int]], list[int]], order=None, tracks=None) -> Detections:
    boxes = [b for bs, _ in written for b in bs]
    digits = [d for _, ds in written for d in ds]
    order = np.arange(len(boxes)) if order is None else np.asarray(order)
    return Detections(
        np.array(boxes, np.int32).reshape(-1, 4)[order],
        np.array(digits, np.int64)[order],
        np.full(len(boxes), 0.99, np.float32),
        None if tracks is None else np.asarray(tracks, np.int64),
    )


def texts(numbers: list[Number]) -> list[str]:
    return [n.text for n in numbers]


def test_a_single_digit_is_a_number_on_line_zero():
    numbers = group_numbers(page(lay("7", [])))
    assert texts(numbers) == ["7"] and numbers[0].line == 0 and numbers[0].members == (0,)
    assert group_numbers(Detections.empty()) == [] and find_lines(np.zeros((0, 4))) == []


@pytest.mark.parametrize("angle", [-35.0, -20.0, 0.0, 12.0, 35.0])
def test_a_tilted_line_reads_as_on_a_level_page(angle):
    # "2026" and "417" on one line, "385" on the next, all turned by the same angle
    first = lay("2026417", [0.3, 0.25, 0.35, 1.6, 0.3, 0.3], angle=angle, start=(200, 300))
    t = math.radians(angle)
    below = (200 - 1.6 * 40 * math.sin(t), 300 + 1.6 * 40 * math.cos(t))
    second = lay("385", [0.3, 0.3], angle=angle, start=below)
    numbers = group_numbers(page(first, second, order=[9, 3, 0, 8, 5, 1, 7, 2, 6, 4]))
    assert texts(numbers) == ["2026", "417", "385"]
    assert [n.line for n in numbers] == [0, 0, 1]


def test_lines_are_read_top_to_bottom_even_when_close():
    # rows a tenth of a digit apart: the old bands of "half a height" would mix them
    rows = [
        lay(text, [0.3] * (len(text) - 1), start=(40 + 13 * k, 60 + 44 * k))
        for k, text in enumerate(["508", "7364", "29"])
    ]
    lines = find_lines(page(*rows).boxes)
    assert [len(line.members) for line in lines] == [3, 4, 2]
    assert texts(group_numbers(page(*rows))) == ["508", "7364", "29"]


def test_digits_that_hardly_overlap_in_height_are_on_different_lines():
    above = lay("4567", [0.3, 0.3, 0.3], start=(50, 40))  # the page is level
    level = page(above, lay("38", [1.2]))
    assert [len(line.members) for line in find_lines(level.boxes)] == [4, 2]
    # the 8 two thirds of a height lower: its baseline is another line's
    stepped = page(above, lay("3", []), lay("8", [], start=(50 + 1.8 * 40, 100 + 0.65 * 40)))
    assert [len(line.members) for line in find_lines(stepped.boxes)] == [4, 1, 1]


def test_a_short_zero_beside_a_tall_seven_stays_on_its_line():
    # "70" and "2046": zeros 60 % as tall as the other digits, on the same baseline
    written = lay("702046", [0.3, 1.5, 0.3, 0.3, 0.3], heights=[1, 0.6, 1, 0.6, 1, 1])
    numbers = group_numbers(page(written))
    assert texts(numbers) == ["70", "2046"] and {n.line for n in numbers} == {0}


def test_a_narrow_one_is_measured_by_its_ink_not_its_box_centre():
    # Centre to centre, the 1 stands closer to its neighbours than the other digits do, and
    # a writer leaves a digit's room for it: "1" then "2345" is one number, as on a real page.
    written = lay("12345", [0.5, 0.35, 0.3, 0.35])
    assert texts(group_numbers(page(written))) == ["12345"]
    # ... while a real space after the 1 still parts it from the next number
    assert texts(group_numbers(page(lay("12345", [1.7, 0.35, 0.3, 0.35])))) == ["1", "2345"]


def test_a_wide_gap_splits_and_irregular_narrow_ones_do_not():
    irregular = lay("5381702", [0.12, 0.45, 0.15, 0.3, 0.5, 0.1])
    assert texts(group_numbers(page(irregular))) == ["5381702"]
    split = lay("5381702", [0.12, 0.45, 1.4, 0.3, 0.5, 0.1])
    assert texts(group_numbers(page(split))) == ["538", "1702"]


def test_two_numbers_per_line_when_the_gap_between_stands_apart_from_those_inside():
    # Inside gaps wider than some pages' gaps between numbers; what counts is this line's own.
    line = lay("1234567891", [0.6, 0.35, 0.4, 0.4, 2.2, 0.35, 0.45, 0.45, 0.6])
    assert texts(group_numbers(page(line))) == ["12345", "67891"]
    # a gap between numbers narrower than elsewhere, but twice the gaps beside it
    tight = lay("14151617", [0.25, 0.55, 0.15, 0.6, 0.15, 0.6, 0.2])
    assert texts(group_numbers(page(tight))) == ["14", "15", "16", "17"]


def test_digits_whose_ink_overlaps_make_a_number_not_a_lone_digit():
    # Two-digit numbers written so tight that a digit's ink reaches under its neighbour's (gaps
    # below zero, as on a sheet photographed turned): each pair is a number whose digits stand
    # closer than the pairs do, so a pair does not join the next one as a lone digit would.
    line = lay("4344454647", [0.23, 0.86, -0.01, 0.62, 0.04, 0.47, -0.11, 0.69, 0.08])
    assert texts(group_numbers(page(line))) == ["43", "44", "45", "46", "47"]


def test_a_gap_joins_once_its_wider_neighbour_has_made_the_group_beside_it():
    # As on a sheet turned 8 degrees: "4" is not near "56" (joined at 0.3), but it is near
    # "234" once 0.65 has joined it, and 0.6 is narrower than that.
    line = lay("2345619773", [0.5, 0.65, 0.6, 0.3, 2.1, 0.3, 0.5, 0.5, 0.4])
    assert texts(group_numbers(page(line))) == ["23456", "19773"]


def test_two_like_gaps_inside_a_number_do_not_hold_each_other_apart():
    # The same sheet turned the other way: "23" and "56" written tight, the "4" between them
    # 0.59 and 0.57 away. Neither gap is clearly narrower than the other, but both are
    # clearly narrower than the 2.1 between the line's numbers: they are the gaps inside one.
    line = lay("2345619773", [0.33, 0.59, 0.57, 0.3, 2.14, 0.31, 0.49, 0.52, 0.39])
    assert texts(group_numbers(page(line))) == ["23456", "19773"]


def test_digits_in_one_printed_comb_are_one_number_and_two_combs_two():
    # A form's comb spaces its digits a cell apart (1.2 heights here: apart without the comb);
    # two combs written tight, 0.2 apart, are two numbers, and so is a digit beside a comb.
    line = lay("1234567", [1.2, 1.2, 1.2, 0.2, 0.9, 0.2])
    fields = np.array([0, 0, 0, 0, 1, 1, -1])
    assert texts(group_numbers(page(line))) == ["1", "2", "3", "45", "67"]
    assert texts(group_numbers(page(line), fields=fields)) == ["1234", "56", "7"]
    assert texts(group_numbers(page(line), fields=np.full(7, -1))) == ["1", "2", "3", "45", "67"]


def test_even_gaps_are_one_number_unless_wider_than_a_digit():
    assert texts(group_numbers(page(lay("99999", [0.7] * 4)))) == ["99999"]
    assert texts(group_numbers(page(lay("99999", [1.3] * 4)))) == ["9"] * 5


def test_two_digits_alone_on_their_line_are_one_number_only_when_written_close():
    # a camera close to two big digits: nothing else on the line tells how this hand spaces
    # a number, and a gap about as wide as a digit parts them
    assert texts(group_numbers(page(lay("32", [0.5])))) == ["32"]
    assert texts(group_numbers(page(lay("32", [0.75])))) == ["3", "2"]
    # a third digit spaced alike makes it one number written wide
    assert texts(group_numbers(page(lay("321", [0.75, 0.75])))) == ["321"]


def test_a_row_of_lone_digits_follows_the_page_s_own_spacing():
    # The page's other rows part two-digit numbers by 0.8 heights: a row of digits spaced so
    # is a row of numbers 0 to 9; on a page of its own, the same row is one number.
    digits_row = lay("0123456789", [0.8] * 9, start=(40, 60))
    pairs = [
        lay("1011121314", [0.15, 0.8, 0.1, 0.8, 0.2, 0.8, 0.15, 0.8, 0.2], start=(40, 140)),
        lay("2021222324", [0.2, 0.9, 0.1, 0.8, 0.2, 0.8, 0.15, 0.9, 0.2], start=(40, 220)),
    ]
    numbers = group_numbers(page(digits_row, *pairs))
    assert texts(numbers)[:10] == list("0123456789")
    assert texts(numbers)[10:] == ["10", "11", "12", "13", "14", "20", "21", "22", "23", "24"]
    assert texts(group_numbers(page(digits_row))) == ["0123456789"]


def test_a_wide_gap_inside_a_number_joins_on_a_page_whose_numbers_stand_far_apart():
    # "8277": its 2 and 7 stand 0.67 heights apart, more than a number's inside gaps usually
    # are; the page's numbers stand about three heights apart, so the gap is inside a number.
    first = lay("827704801", [0.08, 0.67, 0.1, 2.8, 0.12, 0.12, 0.2, 0.4], start=(40, 80))
    others = [
        lay("51240626", [0.2, 0.1, 0.5, 0.1, 3.0, 0.1, 0.15], start=(40, 180)),
        lay("547433", [0.2, 0.3, 3.8, 0.1, 0.2], start=(40, 280)),
        lay("41461973", [0.05, 0.05, 0.15, 3.4, 0.1, 0.3, 3.6], start=(40, 380)),
    ]
    assert texts(group_numbers(page(first, *others)))[:2] == ["8277", "04801"]
    # alone on its page, nothing says so: the gap splits it
    assert texts(group_numbers(page(first)))[:2] == ["82", "77"]


def test_numbers_turned_each_their_own_way_on_one_row():
    up = lay("3204", [0.25, 0.3, 0.25], angle=-30, start=(40, 300))
    down = lay("731", [0.3, 0.3], angle=28, start=(400, 200))
    numbers = group_numbers(page(up, down))
    assert sorted(texts(numbers)) == ["3204", "731"]


def test_the_json_record_gives_each_detection_and_number_its_line():
    d = page(lay("42", [0.3], start=(20, 60)), lay("7", [], start=(20, 140)))
    numbers = group_numbers(d)
    record = FrameResult("page.png", 0, 0.0, d, numbers, still=True).to_json()
    assert [r["line"] for r in record["detections"]] == [0, 0, 1]
    assert record["numbers"] == [
        {"text": "42", "box": list(numbers[0].box), "line": 0, "id": None},
        {"text": "7", "box": list(numbers[1].box), "line": 1, "id": None},
    ]
    assert set(record["detections"][0]) == {"box", "digit", "confidence", "track", "line"}


def test_a_photo_prints_its_numbers_line_by_line():
    numbers = group_numbers(
        page(lay("1015", [0.2, 1.5, 0.2], start=(20, 60)), lay("27", [0.2], start=(20, 140)))
    )
    assert number_lines(numbers) == [["10", "15"], ["27"]]
    assert format_numbers("sheet.jpg", numbers) == "sheet.jpg: 10 15\n           27"
    assert format_numbers("empty.jpg", []) == "empty.jpg: no digits found"


# ---------------------------------------------------------------------------------------------
# Over time


def frames_of_2026(wide_frame: int, n: int = 12) -> list[Detections]:
    """ "2026" (tracks 1-4) and "58" (tracks 5-6) drifting right; in ``wide_frame`` the gap
    between 0 and 2 opens to 1.2 heights, as a box a few pixels off might make it."""
    out = []
    for k in range(n):
        gaps = [0.3, 1.2 if k == wide_frame else 0.35, 0.3]
        first = lay("2026", gaps, start=(60 + 2 * k, 100))
        second = lay("58", [0.3], start=(400 + 2 * k, 100))
        out.append(page(first, second, tracks=[1, 2, 3, 4, 5, 6]))
    return out


def test_one_wider_gap_in_one_frame_does_not_split_the_number():
    wide = 6
    history = NumberHistory()
    seen = [group_numbers(frame, history) for frame in frames_of_2026(wide)]
    assert all(texts(numbers) == ["2026", "58"] for numbers in seen)
    ids = {(n.text, n.id) for numbers in seen for n in numbers}
    assert len(ids) == 2 and None not in {i for _, i in ids}
    # without the history, that frame alone would read two numbers
    assert texts(group_numbers(frames_of_2026(wide)[wide])) == ["20", "26", "58"]


def test_a_gap_that_stays_wide_splits_the_number_once_most_recent_frames_say_so():
    history = NumberHistory(window=5)
    normal, wide = frames_of_2026(wide_frame=-1)[0], frames_of_2026(wide_frame=0)[0]
    for _ in range(4):
        group_numbers(normal, history)
    read = [texts(group_numbers(wide, history)) for _ in range(5)]
    assert read[:2] == [["2026", "58"]] * 2  # 4 of 5, then 3 of 5 frames joined them
    assert read[2:] == [["20", "26", "58"]] * 3


def test_a_number_keeps_its_id_as_its_digits_come_into_view():
    history = NumberHistory()
    first = group_numbers(page(lay("20", [0.3]), tracks=[1, 2]), history)
    grown = group_numbers(page(lay("2026", [0.3, 0.3, 0.3]), tracks=[1, 2, 3, 4]), history)
    other = group_numbers(page(lay("2026", [0.3, 0.3, 0.3]), tracks=[7, 8, 9, 10]), history)
    assert first[0].id == grown[0].id and other[0].id != grown[0].id
    history.reset()
    assert group_numbers(page(lay("20", [0.3]), tracks=[1, 2]), history)[0].id == 1


def test_the_tracker_keeps_the_number_history_and_forgets_it_on_reset():
    tracker = DigitTracker()
    group_numbers(page(lay("20", [0.3]), tracks=[1, 2]), tracker.numbers)
    group_numbers(page(lay("31", [0.3]), tracks=[3, 4]), tracker.numbers)
    tracker.reset()
    assert group_numbers(page(lay("31", [0.3]), tracks=[3, 4]), tracker.numbers)[0].id == 1
    with pytest.raises(ValueError, match="window must be at least 1"):
        NumberHistory(window=0)


def _written(images, labels, frame: int, cut: float) -> np.ndarray:
    """A camera frame of "2026" written with MNIST digits 60 px tall, drifting right; ``cut``
    of the 0's right side fades out (the pen skipped, the light glared), widening its gap."""
    canvas = np.full((240, 480), 245.0)
    x = 80 + 2 * frame
    for k, label in enumerate([2, 0, 2, 6]):
        glyph = images[np.flatnonzero(labels == label)[k // 2]]
        ys, xs = np.nonzero(glyph > 60)
        glyph = glyph[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float64)
        width = round(glyph.shape[1] * 60 / glyph.shape[0])
        glyph = cv2.resize(glyph, (width, 60), interpolation=cv2.INTER_AREA)
        if k == 1 and cut:
            glyph[:, round(width * (1 - cut)) :] = 0
        canvas[90:150, x : x + width] -= 0.9 * glyph
        x += width + 18
    return cv2.cvtColor(np.clip(canvas, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def test_a_video_keeps_the_number_s_text_and_id_when_one_frame_reads_its_gap_wider(mnist_1000):
    classifier = DigitClassifier()
    video = Recognizer(classifier, tracker=DigitTracker())
    wide = 6
    read = []
    for k in range(12):
        image = _written(*mnist_1000, k, cut=0.45 if k == wide else 0.0)
        read.append([(n.text, n.id) for n in video.process(image, "clip", k).numbers])
    assert read == [[("2026", 1)]] * 12
    # read alone, that frame parts the number
    alone = Recognizer(classifier).process(_written(*mnist_1000, wide, 0.45), "p", still=True)
    assert len(alone.numbers) > 1 and all(n.id is None for n in alone.numbers)


# ---------------------------------------------------------------------------------------------
# Shown, and measured


def test_each_number_gets_one_box_in_its_own_colour_and_its_tag_spares_the_row_above():
    style = Style()
    upper = lay("47", [0.3], start=(60, 100))
    lower = lay("1956", [0.3, 0.3, 0.3], start=(60, 150))  # rows a quarter height apart
    d = page(upper, lower)
    numbers = group_numbers(d)
    frame = np.full((300, 400, 3), 255, np.uint8)
    Annotator(style).annotate(frame, FrameResult("p", 0, 0.0, d, numbers, still=True))
    number_pixels = np.all(frame == style.number_colour, axis=2)
    for number in numbers:  # a box around the number, outside its digits' boxes
        x, y, w, h = number.box
        assert number_pixels[y - 3, x + w // 2] and number_pixels[y + h + 3, x + w // 2]
    # the labels under the 4 and 7 of the upper row are still digit labels
    for box in d.boxes[:2]:
        x, y, w, h = (int(v) for v in box)
        under = frame[y + h + 2 : y + h + 8, x : x + 3]
        assert np.all(under == style.digit_colour, axis=2).mean() > 0.5


def test_grouping_is_scored_apart_from_reading():
    # truth: "12" and "34"; "12" read right but cut in two, "34" read as "39"
    truth_boxes = np.array([[0, 0, 10, 20], [14, 0, 10, 20], [60, 0, 10, 20], [74, 0, 10, 20]])
    labels, partial = np.array([1, 2, 3, 4]), np.zeros(4, bool)
    truth_numbers = [("12", (0, 0, 24, 20)), ("34", (60, 0, 24, 20))]
    read = Detections(
        truth_boxes.astype(np.int32), np.array([1, 2, 3, 9]), np.full(4, 0.9, np.float32)
    )
    split = [
        Number("1", (0, 0, 10, 20), (0,)),
        Number("2", (14, 0, 10, 20), (1,)),
        Number("39", (60, 0, 24, 20), (2, 3)),
    ]
    s = score_frame(read, split, truth_boxes, labels, partial, truth_numbers)
    assert (s.numbers_readable, s.numbers_grouped, s.grouping_accuracy) == (1, 0, 0.0)
    joined = [Number("12", (0, 0, 24, 20), (0, 1)), Number("39", (60, 0, 24, 20), (2, 3))]
    s.add(score_frame(read, joined, truth_boxes, labels, partial, truth_numbers))
    assert (s.numbers_readable, s.numbers_grouped, s.as_dict()["grouping_accuracy"]) == (2, 1, 0.5)
    assert number_members(truth_boxes, labels, partial, "34", (60, 0, 24, 20)).tolist() == [2, 3]


def test_a_video_s_steady_numbers_keep_reading_order():
    class Fixed:  # a recognizer that reads the same numbers, in reading order, every frame
        def reset(self) -> None:
            pass

        def process(self, image, source, index, seconds, still=False) -> FrameResult:
            numbers = [
                Number(text, (0, 0, 1, 1), (), line)
                for text, line in [("58", 0), ("2026", 0), ("7", 1), ("31", 2)]
            ]
            return FrameResult(source, index, seconds, Detections.empty(), numbers)

    frames = [np.zeros((8, 8, 3), np.uint8)] * 4
    summary = run(ArraySource(frames, "clip.mp4"), Fixed())
    assert summary.steady_numbers("clip.mp4") == ["58", "2026", "7", "31"]


def test_the_speed_overlay_moves_off_the_digits_it_would_hide():
    """The overlay's grey box goes to the corner where it covers no digit or label."""
    grey = np.array([60, 60, 60], np.uint8)

    def drawn(box: tuple[int, int, int, int], annotator: Annotator | None = None) -> np.ndarray:
        frame = np.full((240, 320, 3), 255, np.uint8)
        d = Detections(np.array([box], np.int32), np.array([7]), np.array([0.99], np.float32))
        result = FrameResult("f", 0, 0.0, d, [Number("7", box, (0,), line=0)])
        annotator = annotator or Annotator()
        return annotator.annotate(frame, result, fps=30.0, ms_per_frame=5.0)

    top_left = drawn((4, 4, 30, 40))
    overlay = np.all(top_left == grey, axis=2)
    ys, xs = np.nonzero(overlay)
    # not over the digit at the top left (x 4..34): in the top-right corner, whatever the
    # width of the font's text (OpenCV 5.1 draws it wider than 5.0)
    assert len(xs) > 50 and xs.min() > 4 + 30 and xs.max() >= 320 - 10 and ys.min() < 20
    elsewhere = np.all(drawn((200, 150, 30, 40)) == grey, axis=2)
    ys, xs = np.nonzero(elsewhere)
    assert xs.min() < 20 and ys.min() < 20  # a free top-left corner is kept
    # in a video it stays where it went while that corner is free: no jumping back and forth
    video = Annotator()
    drawn((4, 4, 30, 40), video)
    ys, xs = np.nonzero(np.all(drawn((200, 150, 30, 40), video) == grey, axis=2))
    assert xs.min() > 4 + 30 and xs.max() >= 320 - 10 and ys.min() < 20
