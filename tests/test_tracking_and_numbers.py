"""Steady labels across frames (tracking, voting, skipped re-reads) and grouping into numbers."""

from __future__ import annotations

import numpy as np
import pytest

from camdigit.core.detections import NO_TRACK, Detections, iou_matrix, scale_boxes
from camdigit.core.numbers import group_numbers
from camdigit.core.tracking import DigitTracker, Readings, TrackerConfig


def detections(boxes, digits) -> Detections:
    return Detections(
        np.array(boxes, np.int32).reshape(-1, 4),
        np.array(digits, np.int64),
        np.full(len(digits), 0.99, np.float32),
    )


def step(tracker: DigitTracker, boxes, digits, confidences=None, size=None):
    """One frame (of ``size``, width and height, when given): the tracker asks for the crops
    it wants 'read' and votes."""
    boxes = np.array(boxes, np.int32).reshape(-1, 4)
    confidences = np.full(len(boxes), 0.99, np.float32) if confidences is None else confidences
    asked = []

    def read(needed: np.ndarray) -> Readings:
        asked.append(needed.copy())
        return Readings(np.array(digits), np.asarray(confidences), needed)

    found = tracker.update(Detections(boxes), read=read, size=size)
    return found.tracks, found.digits, found.confidences, asked[0]


def test_iou_matrix():
    a = np.array([[0, 0, 10, 10], [100, 100, 10, 10]])
    b = np.array([[5, 0, 10, 10], [0, 0, 10, 10]])
    iou = iou_matrix(a, b)
    assert iou[0, 1] == pytest.approx(1.0)
    assert iou[0, 0] == pytest.approx(50 / 150)
    assert iou[1].max() == 0.0
    assert iou_matrix(np.zeros((0, 4)), b).shape == (0, 2)


def test_scale_boxes_rounds_outward():
    scaled = scale_boxes(np.array([[3, 5, 7, 9]], np.int32), 1.5)
    x, y, w, h = scaled[0]
    assert (x, y) == (4, 7)  # floor(4.5), floor(7.5)
    assert (x + w, y + h) == (15, 21)  # ceil(15), ceil(21)


def test_detections_validate_and_filter():
    d = detections([[0, 0, 5, 5], [10, 10, 5, 5]], [3, 4])
    assert (d.tracks == -1).all()
    kept = d[d.digits == 4]
    assert len(kept) == 1 and kept.boxes[0, 0] == 10
    assert len(Detections.empty()) == 0
    with pytest.raises(ValueError, match=r"shape \(N, 4\)"):
        Detections(np.zeros((2, 3)), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="digits must have shape"):
        Detections(np.zeros((2, 4)), np.zeros(3), np.zeros(2))


def test_a_flipped_reading_does_not_flip_the_label():
    tracker = DigitTracker(TrackerConfig(recheck_every=1))  # read every frame
    box = [[100, 100, 20, 30]]
    readings = [7, 7, 7, 1, 7, 7]  # frame 3: the model misreads the 7 as a 1
    labels, ids = [], []
    for frame, digit in enumerate(readings):
        moved = [[100 + frame, 100, 20, 30]]
        track_ids, voted, _, needs = step(tracker, moved if frame else box, [digit])
        assert needs[0]
        labels.append(int(voted[0]))
        ids.append(int(track_ids[0]))
    assert labels == [7] * len(readings)
    assert len(set(ids)) == 1


def test_without_voting_the_flip_would_show():
    tracker = DigitTracker(TrackerConfig(votes=1, recheck_every=1))
    labels = [int(step(tracker, [[100, 100, 20, 30]], [d])[1][0]) for d in (7, 7, 1)]
    assert labels == [7, 7, 1]


def test_tracks_are_class_agnostic_and_follow_motion():
    tracker = DigitTracker(TrackerConfig(recheck_every=1))
    a, b = [50, 50, 20, 30], [200, 50, 20, 30]
    ids0 = step(tracker, [a, b], [1, 7])[0]
    # Both move right by 6 px per frame; the second is now read as 1 (a flicker).
    for k in range(1, 5):
        moved = [[50 + 6 * k, 50, 20, 30], [200 + 6 * k, 50, 20, 30]]
        ids = step(tracker, moved, [1, 1])[0]
        assert list(ids) == list(ids0)


def test_steady_tracks_are_not_read_every_frame():
    tracker = DigitTracker(TrackerConfig(recheck_every=5, steady_readings=3))
    reads = []
    for _frame in range(20):
        reads.append(bool(step(tracker, [[10, 10, 20, 30]], [4])[3][0]))
    # The first three readings make it steady; then one reading every 5 frames.
    assert reads[:3] == [True, True, True]
    assert sum(reads) <= 3 + 20 // 5
    assert sum(reads[3:]) >= 3  # but it is re-read regularly


def test_a_resized_box_is_read_again():
    tracker = DigitTracker(TrackerConfig(recheck_every=50))
    for _ in range(4):
        step(tracker, [[10, 10, 20, 30]], [4])
    assert not step(tracker, [[10, 10, 20, 30]], [4])[3][0]
    assert step(tracker, [[10, 10, 20, 38]], [4])[3][0]


def test_steady_asks_without_changing_anything_and_update_agrees():
    tracker = DigitTracker(TrackerConfig(recheck_every=50))
    box = [[10, 10, 20, 30]]
    for _ in range(4):
        step(tracker, box, [4])
    boxes = np.array(box + [[100, 10, 20, 30]], np.int32)  # a steady digit and a new one
    before = [(t.id, t.since_read, t.missed) for t in tracker.tracks]
    assert list(tracker.steady(Detections(boxes))) == [True, False]
    assert list(tracker.steady(Detections(boxes))) == [True, False]
    assert [(t.id, t.since_read, t.missed) for t in tracker.tracks] == before
    assert list(step(tracker, boxes, [4, 5])[3]) == [False, True]


def test_readings_beyond_those_asked_for_are_recorded():
    tracker = DigitTracker(TrackerConfig(recheck_every=50))
    box = np.array([[10, 10, 20, 30]], np.int32)
    for _ in range(4):
        step(tracker, box, [4])
    assert tracker.steady(Detections(box)).all()  # update would ask for nothing
    readings = len(tracker.tracks[0].readings)
    extra = tracker.update(
        Detections(box),
        read=lambda needed: Readings(np.array([9]), np.array([0.99], np.float32), np.ones(1, bool)),
    )
    assert len(tracker.tracks[0].readings) == readings + 1
    assert tracker.tracks[0].readings[-1][0] == 9
    assert extra.digits[0] == 4  # the readings of 4 outvote the one of 9


def test_a_reader_must_read_what_the_tracker_asks_for():
    tracker = DigitTracker()
    box = np.array([[10, 10, 20, 30]], np.int32)
    with pytest.raises(ValueError, match="left out"):
        tracker.update(
            Detections(box),
            read=lambda needed: Readings(
                np.zeros(1, np.int64), np.zeros(1, np.float32), np.zeros(1, bool)
            ),
        )


def test_doubtful_readings_keep_a_track_unsteady():
    tracker = DigitTracker(TrackerConfig(recheck_every=50))
    for _ in range(6):
        needs = step(tracker, [[10, 10, 20, 30]], [4], np.array([0.6], np.float32))[3]
        assert needs[0]


def test_lost_tracks_end_and_new_ones_get_new_ids():
    tracker = DigitTracker(TrackerConfig(max_missed=2))
    first = step(tracker, [[10, 10, 20, 30]], [4])[0][0]
    for _ in range(3):
        step(tracker, [], [])
    assert tracker.tracks == []
    again = step(tracker, [[10, 10, 20, 30]], [4])[0][0]
    assert again != first


def test_group_numbers_by_line_and_gap():
    # "2026" with gaps of 0.2-0.4 height, "17" further right, "5" on the next line.
    h = 40
    boxes = [
        [10, 100, 25, h],
        [45, 102, 25, h],
        [83, 98, 25, h],
        [120, 101, 25, h],
        [260, 100, 25, h],
        [295, 100, 25, h],
        [10, 180, 25, h],
    ]
    digits = [2, 0, 2, 6, 1, 7, 5]
    order = [3, 6, 0, 5, 2, 4, 1]  # the finder reports digits in any order
    d = detections([boxes[i] for i in order], [digits[i] for i in order])
    numbers = group_numbers(d)
    assert [n.text for n in numbers] == ["2026", "17", "5"]
    assert numbers[0].box == (10, 98, 135, 44)
    assert numbers[1].box == (260, 100, 60, 40)


def test_digits_of_different_size_or_far_apart_are_separate_numbers():
    d = detections([[0, 0, 20, 30], [60, 0, 20, 30], [85, 0, 8, 10]], [1, 2, 3])
    assert [n.text for n in group_numbers(d)] == ["1", "2", "3"]
    assert group_numbers(Detections.empty()) == []


def test_update_returns_the_same_rows_with_their_extras():
    tracker = DigitTracker()
    boxes = np.array([[10, 10, 20, 30], [50, 10, 20, 30]], np.int32)
    given = Detections(boxes, data={"contrast": np.array([3.0, 9.0], np.float32)})
    out = tracker.update(
        given, read=lambda needed: Readings(np.array([1, 2]), np.full(2, 0.99), needed)
    )
    assert out.boxes.tolist() == boxes.tolist() and out.digits.tolist() == [1, 2]
    assert out.data["contrast"].tolist() == [3.0, 9.0]
    assert (out.tracks > 0).all() and given.digits.tolist() == [-1, -1]


def shown(tracker: DigitTracker, boxes, digits, size=(640, 480)) -> Detections:
    """One frame as the pipeline has it: tracked, reported, and the steady digits missed held."""
    tracks, voted, confidences, _ = step(tracker, boxes, digits)
    reported = Detections(
        np.array(boxes, np.int32).reshape(-1, 4), voted, confidences.astype(np.float32), tracks
    )
    return Detections.concat(reported, tracker.held(reported, *size))


def test_a_steady_digit_missed_for_a_frame_or_two_stays_on_screen():
    tracker = DigitTracker(TrackerConfig(hold=2))
    for k in range(4):  # moving right 5 px a frame
        first = shown(tracker, [[100 + 5 * k, 100, 20, 30]], [7])
    held = [shown(tracker, [], []) for _ in range(3)]
    assert [len(h) for h in held] == [1, 1, 0]  # two frames held, then gone
    assert held[0].digits.tolist() == [7] and held[0].tracks.tolist() == first.tracks.tolist()
    # where the motion took it: last seen at x 115, two frames later (the smoothed velocity is
    # between 3.75 and 5 px a frame by then), not three
    assert 122 <= int(held[1].boxes[0, 0]) <= 125
    assert len(tracker.tracks) == 1  # the track itself lives on (max_missed)


def test_only_digits_on_screen_mostly_in_view_and_not_covered_are_held():
    tracker = DigitTracker(TrackerConfig(hold=2, hold_in_view=0.75))
    for _ in range(4):
        shown(tracker, [[100, 100, 20, 30], [10, 10, 20, 30], [600, 200, 20, 30]], [7, 2, 5])
    # the 2 leaves through the frame's top-left corner, the 5 through its right edge; the 7's
    # place is taken by another box
    for k in range(3):
        shown(
            tracker,
            [[100, 100, 20, 30], [10 - 4 * k, 10 - 4 * k, 20, 30], [600 + 10 * k, 200, 20, 30]],
            [7, 2, 5],
        )
    after = shown(tracker, [[110, 115, 30, 30]], [1])  # overlaps the 7, no track of its own
    # the 2, predicted at (-1, -1) (its smoothed motion is 3 px a frame), still has 90% of its
    # box in view: held, its box cut to the frame; the 5, predicted at x 627.5 (62% in view),
    # and the 7 are not
    assert after.digits.tolist() == [1, 2] and len(tracker.tracks) == 4
    assert after.boxes[1].tolist() == [0, 0, 19, 29]
    # a track never reported (not shown) is not held either
    quiet = DigitTracker(TrackerConfig(hold=2))
    for _ in range(4):
        step(quiet, [[100, 100, 20, 30]], [7])
    step(quiet, [], [])
    assert len(quiet.held(Detections.empty(), 640, 480)) == 0


def test_a_thin_ones_track_survives_hand_shake():
    # a 1 px pen's "1": 4 px wide, shaken 5 px sideways between frames
    tracker = DigitTracker()
    ids = {int(step(tracker, [[200 + 5 * (k % 2), 100, 4, 40]], [1])[0][0]) for k in range(6)}
    assert len(ids) == 1


def test_a_digit_hidden_a_moment_comes_back_on_its_track_where_it_was():
    # moving right 6 px a frame, then hidden (a hand) for five frames while the page stops:
    # it reappears where it was last seen, far from where its motion predicted
    tracker = DigitTracker()
    for k in range(5):
        first = step(tracker, [[100 + 6 * k, 100, 20, 30]], [7])[0][0]
    for _ in range(5):
        step(tracker, [], [])
    tracks, digits, _, _ = step(tracker, [[124, 100, 20, 30]], [7])
    assert tracks[0] == first and digits[0] == 7


@pytest.mark.parametrize(
    ("last_seen", "back", "same"),
    [
        ([100, 446, 30, 34], 4, True),  # at the bottom border: out of view, back on its track
        ([100, 446, 30, 34], 7, False),  # another digit came into view there: a track of its own
        ([100, 200, 30, 34], 4, False),  # lost in the middle of the view: gone after max_missed
    ],
)
def test_a_digit_gone_out_of_view_comes_back_on_its_track(last_seen, back, same):
    size = (640, 480)
    tracker = DigitTracker()
    x, y, w, h = last_seen
    for k in range(4):  # steady, then at the place it was last seen
        first = step(tracker, [[x, y - 3 + k, w, h]], [4], size=size)[0][0]
    missed = tracker.config.max_missed + 7  # longer than a lost track waits
    assert missed <= tracker.config.max_out_of_view
    for _ in range(missed):
        step(tracker, [], [], size=size)
    tracks, digits, _, asked = step(tracker, [[x, y - 2, w, h]], [back], size=size)
    assert asked[0]  # read again before its label is trusted
    assert (tracks[0] == first) == same and digits[0] == back


@pytest.mark.parametrize("pieces", [1, 2])
def test_a_digit_cut_in_a_piece_for_a_frame_or_two_keeps_its_track(pieces):
    # a 7 moving down 2 px a frame; for a frame or two only a piece of its bar is found (a
    # stroke lost to blur): the piece continues the track, and so does the whole 7 after it
    tracker = DigitTracker()
    first = step(tracker, [[240, 20, 36, 38]], [7])[0][0]
    for k in range(1, 5):
        assert step(tracker, [[240, 20 + 2 * k, 36, 38]], [7])[0][0] == first
    for k in range(5, 5 + pieces):
        assert step(tracker, [[252, 20 + 2 * k, 24, 19]], [7])[0][0] == first
    k = 5 + pieces
    assert step(tracker, [[240, 20 + 2 * k, 36, 38]], [7])[0][0] == first


def test_a_lasting_change_of_size_is_taken_on():
    # the camera moves closer: a box twice its size for several frames is the digit's own
    tracker = DigitTracker()
    first = step(tracker, [[100, 100, 20, 30]], [4])[0][0]
    for _ in range(6):
        assert step(tracker, [[95, 95, 30, 45]], [4])[0][0] == first
    assert np.allclose(tracker.tracks[0].box, [95, 95, 30, 45])


def test_a_side_s_piece_continues_a_track_and_starts_none():
    # the finder's whole digits of a number the frame's side cuts ("side"): a digit seen
    # whole keeps its track through them, one first seen so gets none and no confidence
    tracker = DigitTracker()
    first = step(tracker, [[50, 50, 20, 30]], [4])[0]
    boxes = np.array([[48, 50, 20, 30], [200, 50, 20, 30]], np.int32)
    found = Detections(boxes, data={"side": np.array([True, True])})

    def read(needed: np.ndarray) -> Readings:
        return Readings(np.array([4, 7]), np.array([0.99, 0.99], np.float32), needed)

    out = tracker.update(found, read=read)
    assert out.tracks[0] == first[0] and out.digits[0] == 4 and out.confidences[0] > 0.9
    assert out.tracks[1] == NO_TRACK and out.confidences[1] == 0.0
    assert [t.id for t in tracker.tracks] == [int(first[0])]  # no track started for it
