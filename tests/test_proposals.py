"""Alternative readings of one blob: where touching digits are cut, and which path is kept."""

from __future__ import annotations

import itertools

import cv2
import numpy as np

from camdigit.core.cuts import cut_paths, piece_crop
from camdigit.core.proposals import (
    CLEAR_PIECE,
    CUT_COST,
    END,
    SURE,
    choose,
    log_odds,
    unbeatable,
    unclear_cuts,
)
from camdigit.core.writing_heights import piece_heights, standing_height

PAD = 2


def blob(*shapes) -> np.ndarray:
    """A white crop (dark ink) of the ellipses given as (centre, axes), with PAD px around."""
    crop = np.full((84, 124), 255, np.uint8)
    for centre, axes in shapes:
        cv2.ellipse(crop, centre, axes, 0, 0, 360, 40, 7)
    return crop


def ink_box(crop: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(crop < 255)
    return np.array([xs.min(), ys.min(), xs.max(), ys.max()])


def test_two_touching_zeros_are_cut_through_their_joint():
    # Two 0s leaning into each other touch over a stretch: no straight column between them is
    # clean, and the thinnest column cuts a loop. The cut joining the paper's dips above and
    # below the joint separates them, each whole.
    left, right = ((36, 42), (24, 34)), ((88, 42), (24, 34))
    crop = blob(left, right)
    ink = crop[PAD:-PAD, PAD:-PAD] < 255
    paths = cut_paths(ink, ink.shape[0])
    assert paths
    alone = [ink_box(blob(shape)) - PAD for shape in (left, right)]
    pieces = []
    edges = [None, *paths, None]
    for i, j in itertools.combinations(range(len(edges)), 2):  # the ink between any two cuts
        made = piece_crop(crop, PAD, edges[i], edges[j])
        if made is not None:
            pieces.append(ink_box(made[0]) + np.array([*made[1][:2], *made[1][:2]]) - PAD)
    # some run of pieces between two cuts is each 0 alone, within a stroke's width
    for target in alone:
        best = min(np.abs(p - target).max() for p in pieces)
        assert best <= 8, (target, pieces)


def test_a_blob_narrower_than_two_pieces_is_not_cut():
    crop = blob(((60, 42), (24, 34)))
    ink = crop[PAD:-PAD, PAD:-PAD] < 255
    assert cut_paths(ink[:, 30:90], 124) == []  # 60 px: less than two pieces of 0.25 x 124


def test_piece_crop_keeps_only_the_ink_between_its_cuts():
    crop = np.full((24, 44), 255, np.uint8)
    crop[PAD:-PAD, PAD:-PAD] = 0
    h = crop.shape[0] - 2 * PAD
    slanted = np.linspace(10, 20, h).astype(np.int64)
    piece, (x, y, w, height) = piece_crop(crop, PAD, None, slanted)
    assert (x, y, height) == (0, 0, h) and w == 20
    # below the slanted cut's top, the ink right of it is gone
    assert (piece[PAD, PAD + 10 :] == 255).all() and (piece[PAD, PAD : PAD + 10] == 0).all()
    assert piece_crop(crop, PAD, slanted, slanted) is None


def test_choose_keeps_the_likeliest_path_or_nothing():
    group = np.zeros(4, np.int64)
    start = np.array([0, 0, 1, 0])
    end = np.array([END, 1, END, END])
    # whole read badly, two halves read well: the halves win
    assert choose(group, start, end, np.array([-5.0, 4.5, 4.5, -9.0])).tolist() == [
        False,
        True,
        True,
        False,
    ]
    # everything read badly: nothing
    assert not choose(group, start, end, np.array([-5.0, -1.0, -1.0, -9.0])).any()


def test_a_number_cut_in_three_beats_nothing_when_its_pieces_read_as_digits():
    # "844" touching: the whole reads as nothing; cut in three, two pieces are sure digits
    # and the third a likely one. Against nothing each extra piece pays PIECE_COST, not the
    # CUT_COST that weighs a cut against reading the blob whole.
    group = np.zeros(4, np.int64)
    start = np.array([0, 0, 1, 2])
    end = np.array([END, 1, 2, END])
    scores = np.array([-11.0, 4.6, 4.6, 0.5])
    assert choose(group, start, end, scores).tolist() == [False, True, True, True]
    # a word cut into strokes that read as unlikely digits stays nothing
    assert not choose(group, start, end, np.array([-11.0, 1.0, -2.0, 0.5])).any()


def test_a_digit_touching_an_unreadable_one_is_read_alone_unless_it_reads_as_1():
    # "58" touching, the 5 mangled by the cut: the whole and the 5 read as no digit, the 8
    # clearly; the 8 is kept alone, its neighbour passed over as no digit
    group = np.zeros(3, np.int64)
    start = np.array([0, 0, 1])
    end = np.array([END, 1, END])
    scores = np.array([-9.0, -2.0, 4.6])
    assert choose(group, start, end, scores, np.array([3, 5, 8])).tolist() == [False, False, True]
    # without the readings' digits nothing is passed over: the blob stays nothing
    assert not choose(group, start, end, scores).any()
    # a stroke of a letter reads as a sure 1: it is not reported beside the rest of the letter,
    # whether it comes before the unreadable piece or after it
    assert not choose(group, start, end, scores, np.array([3, 5, 1])).any()
    before = np.array([-9.0, 4.6, -2.0])
    assert not choose(group, start, end, before, np.array([3, 1, 5])).any()
    assert choose(group, start, end, before, np.array([3, 7, 5])).tolist() == [False, True, False]
    # a doubtful reading is not reported alone either
    assert not choose(group, start, end, np.array([-9.0, -2.0, 2.0]), np.array([3, 5, 8])).any()
    # two readable digits are both kept: a piece is passed over only when it reads as nothing
    two = np.array([-9.0, 1.0, 4.6])
    assert choose(group, start, end, two, np.array([3, 5, 8])).tolist() == [False, True, True]


def test_a_digit_beside_ink_too_wide_for_a_piece_is_read_alone_at_the_blobs_ends_only():
    # "20" touching, the fat 0 wider than a piece may be: only the 2's piece (0 -> 1) was
    # proposed; the 2 is kept alone, the ink after the last cut passed over
    group = np.zeros(2, np.int64)
    start = np.array([0, 0])
    end = np.array([END, 1])
    scores = np.array([-11.0, 4.6])
    digits = np.array([2, 2])
    assert choose(group, start, end, scores, digits).tolist() == [False, True]
    # ... and so before the first cut (the 0 first)
    after = np.array([-11.0, 4.6]), np.array([0, 1]), np.array([END, END])
    assert choose(group, *after[1:], after[0], digits).tolist() == [False, True]
    # but not ink between two cuts: a box's post and its side beside a piece read as a 7
    group = np.zeros(3, np.int64)
    start, end = np.array([0, 0, 2]), np.array([END, 1, 3])
    middle = choose(group, start, end, np.array([-11.0, 4.6, -2.0]), np.array([2, 7, 7]))
    assert not middle.any()
    # nor without the readings' digits (no piece may be passed over then)
    assert not choose(np.zeros(2, np.int64), np.array([0, 0]), np.array([END, 1]), scores).any()


def test_a_cut_blob_with_a_doubtful_piece_reports_none_of_its_pieces():
    # an x cut into strokes read as 2 (0.55) and 1 (0.99); a number cut right (0.9, 0.98);
    # a plain digit read at 0.6; a piece not read this frame (a tracker settled it)
    group = np.array([0, 0, 1, 1, 2, 3])
    cut = np.where([True, True, True, True, False, True], CLEAR_PIECE, 0.0).astype(np.float32)
    confidences = np.array([0.55, 0.99, 0.9, 0.98, 0.6, 0.0])
    read = np.array([True, True, True, True, True, False])
    dropped = unclear_cuts(group, cut, confidences, read)
    assert dropped.tolist() == [True, True, False, False, False, False]
    assert not unclear_cuts(group, cut, np.full(6, 0.9), read).any()


def test_readings_beyond_sure_still_rank_but_count_little():
    boxes = np.tile(np.array([[0, 0, 30, 40]], np.int32), (3, 1))  # a digit's shape
    odds = log_odds(boxes, np.array([3, 3, 3]), np.ones(3), np.array([SURE, 0.995, 0.999999]))
    assert odds[0] < odds[1] < odds[2]  # all sure, the surer first (equal when capped)
    assert odds[2] - odds[0] < 1.0  # ... but far less than their log-odds apart (9.2)
    assert np.isclose(unbeatable(), 2 * np.log(SURE / (1 - SURE)) - CUT_COST)  # as capped


def test_pieces_read_surest_beat_fewer_pieces_read_merely_sure():
    # a touching number cut two ways: three pieces, each a digit, read as sure as the model
    # gets, or two, one of them a digit and a half, read sure but less (the saturated readings
    # used to make the fewer pieces win: each extra piece cost more than a sure reading gave)
    edges = [(0, 1), (1, 2), (2, END)]
    start = np.array([0] + [a for a, _ in edges] + [0])
    end = np.array([END] + [b for _, b in edges] + [2])
    p = np.array([0.3, 0.999999, 0.999999, 0.999999, 0.995])  # whole, three pieces, the wide one
    boxes = np.tile(np.array([[0, 0, 30, 40]], np.int32), (5, 1))
    scores = log_odds(boxes, np.array([8, 4, 7, 2, 9]), np.ones(5), p)
    kept = choose(np.zeros(5, np.int64), start, end, scores, np.array([8, 4, 7, 2, 9]))
    assert kept.tolist() == [False, True, True, True, False]


def test_a_cut_piece_far_shorter_than_the_digits_standing_apart_pays_for_it():
    # pieces of a word of small letters cut into strokes stand lower than the frame's digits;
    # the digits of a touching number stand as tall as them; a whole blob pays nothing
    boxes = np.array([[0, 0, 20, 40], [0, 0, 20, 30], [0, 0, 15, 20], [0, 0, 15, 20]], np.int32)
    digits, sure = np.array([4, 4, 1, 1]), np.full(4, 0.99)
    pieces = np.array([True, True, True, False])
    odds = log_odds(boxes, digits, np.ones(4), sure, 40.0, pieces, standing=40.0)
    plain = log_odds(boxes, digits, np.ones(4), sure, 40.0)
    assert odds[:2].tolist() == plain[:2].tolist()  # within x1.41 of the standing height
    assert odds[2] < plain[2] - 3.0  # half of it: a doubling below, less the slack
    assert odds[3] == plain[3]  # not a piece
    assert (log_odds(boxes, digits, np.ones(4), sure, 40.0, pieces) == plain).all()


def test_the_standing_height_needs_enough_digits_read_whole():
    boxes = np.array([[0, 0, 10, h] for h in (30, 32, 34, 36, 38, 90)], np.int32)
    whole = np.array([True] * 5 + [False])
    assert standing_height(boxes, whole) == 34.0
    assert standing_height(boxes[:4], whole[:4]) == 0.0  # four are too few to tell


def test_without_standing_digits_a_piece_is_held_to_its_own_blobs_height():
    # groups 0 and 1 are blobs read whole (0 -> END) and cut in two; group 2 a plain digit
    boxes = np.array([[0, 0, 60, 70], [0, 0, 30, 68], [30, 30, 30, 37], [90, 0, 20, 50]])
    boxes = np.concatenate([boxes[:3], [[200, 0, 50, 40], [200, 0, 25, 40]], boxes[3:]])
    group = np.array([0, 0, 0, 1, 1, 2])
    start = np.array([0, 0, 1, 0, 0, 0])
    end = np.array([END, 1, END, END, 1, END])
    across = np.array([False, True, True, False, True, False])
    held = piece_heights(boxes, group, start, end, across, standing=0.0)
    assert held.tolist() == [0.0, 70.0, 70.0, 0.0, 40.0, 0.0]  # each piece: its blob whole
    assert (piece_heights(boxes, group, start, end, across, standing=45.0) == 45.0).all()
    rows = piece_heights(boxes, group, start, end, np.zeros(6, bool), standing=0.0)
    assert (rows == 0).all()  # the rows of a tall blob are not held to it


def test_a_letter_cut_into_strokes_with_a_short_tail_is_no_number():
    # a cursive x (70 px tall, read whole as no digit) cut into a 7, a 6 and its tail, half as
    # tall, read as a sure 1; beside it a blob of two touching digits as tall as it
    boxes = np.array(
        [[0, 0, 114, 70], [0, 2, 54, 68], [48, 0, 44, 65], [84, 23, 30, 37]]
        + [[200, 0, 90, 70], [200, 0, 45, 70], [245, 2, 45, 68]]
    )
    group = np.array([0, 0, 0, 0, 1, 1, 1])
    start = np.array([0, 0, 1, 2, 0, 0, 1])
    end = np.array([END, 1, 2, END, END, 1, END])
    digits = np.array([2, 7, 6, 1, 4, 3, 5])
    is_digit = np.array([0.0, 0.99, 0.69, 1.0, 0.0, 1.0, 1.0])
    conf = np.array([0.99, 0.87, 0.99, 1.0, 0.9, 0.99, 0.99])
    pieces = start + (end != END) > 0
    held = piece_heights(boxes, group, start, end, pieces, standing=0.0)
    before = log_odds(boxes, digits, is_digit, conf, 70.0, pieces)
    after = log_odds(boxes, digits, is_digit, conf, 70.0, pieces, held)
    assert after[3] < before[3] - 2.0 and (after[:3] == before[:3]).all()
    assert choose(group, start, end, before, digits).tolist() == [0, 1, 1, 1, 0, 1, 1]
    assert choose(group, start, end, after, digits).tolist() == [0, 0, 0, 0, 0, 1, 1]
