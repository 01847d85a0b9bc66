"""Marks far fainter than the frame's writing are the ground's (camdigit.core.faint_marks)."""

from __future__ import annotations

import numpy as np

from camdigit.core.faint_marks import faint, rough_ground, writing_contrast


def test_faint_is_judged_against_the_frames_own_writing():
    contrast = np.array([40.0, 35.0, 50.0, 8.0, 12.0], np.float32)
    confident = np.array([True, True, True, True, False])
    # the writing stands out about 37x its ground's grain: 8x is the ground's texture
    assert faint(contrast, confident).tolist() == [False, False, False, True, False]
    # with too few confident digits there is no measure: nothing is faint
    assert not faint(contrast, np.array([True, True, False, False, False])).any()


def test_in_a_shadow_ink_may_stand_out_less_and_still_be_writing():
    # the writing stands out 40x its grain, so 8x is the ground's texture on lit paper (level
    # 240), but in a shadow at a quarter of the light (60) ink stands out half as far (the
    # square root of the light): 8x is writing there, 4x is not
    contrast = np.array([40.0, 35.0, 50.0, 8.0, 4.0], np.float32)
    confident = np.array([True, True, True, False, False])
    lit = np.full(5, 240.0, np.float32)
    shadow = np.array([240, 240, 240, 60, 60], np.float32)
    assert faint(contrast, confident, lit).tolist() == [False, False, False, True, True]
    assert faint(contrast, confident, shadow).tolist() == [False, False, False, False, True]
    # brighter than the writing's paper (a lamp's spot) does not raise the bar
    bright = np.array([240, 240, 240, 255, 60], np.float32)
    assert faint(contrast, confident, bright)[3]


def test_a_grain_read_as_ones_outnumbering_the_writing_is_the_ground():
    # a page of 12 digits standing out 80-150 times their ground's grain, on a wood whose 30
    # streaks read as 1s stand out 5-15 times: the median of all confident marks fell in the
    # wood's range and flagged nothing; the clearer cluster is the writing
    rng = np.random.default_rng(3)
    digits = rng.uniform(80, 150, 12)
    streaks = rng.uniform(5, 15, 30)
    contrast = np.r_[digits, streaks].astype(np.float32)
    ones = np.r_[np.zeros(12, bool), np.ones(30, bool)]
    confident = np.ones(42, bool)
    assert 80 <= writing_contrast(contrast, ones) <= 150
    assert faint(contrast, confident, None, ones).tolist() == [False] * 12 + [True] * 30
    # without knowing which read as 1, the median stands (no cluster is known for the ground)
    assert not faint(contrast, confident).any()


def test_faint_digits_beside_clearer_ones_are_still_writing():
    # a big marker number on a patterned cheque (contrast 17-32) beside its printed words read
    # as digits (70-120): two clusters far apart, but the fainter one holds no 1s: writing too
    contrast = np.array([120, 68, 74, 114, 90, 17, 18, 25, 19, 32, 18], np.float32)
    digits = np.array([0, 7, 4, 3, 0, 6, 8, 7, 8, 9, 8])
    assert not faint(contrast, np.ones(11, bool), None, digits == 1).any()
    assert writing_contrast(contrast, digits == 1) == float(np.median(contrast))


def test_a_carpets_tufts_on_a_dim_ground_are_the_ground_but_a_deep_shadows_digits_not():
    rng = np.random.default_rng(5)
    # a lawn beside a page: 35 tufts read as all kinds of digits, contrast 5-9 on a ground a
    # third as bright as the page, whose 15 digits stand out 50-150 times their grain
    contrast = np.r_[rng.uniform(50, 150, 15), rng.uniform(5, 9, 35)].astype(np.float32)
    level = np.r_[np.full(15, 230.0), np.full(35, 90.0)].astype(np.float32)
    ones = np.zeros(50, bool)
    confident = np.ones(50, bool)
    assert faint(contrast, confident, level, ones).tolist() == [False] * 15 + [True] * 35
    # a page half in a deep shadow (a quarter of the light): its digits there stand out 10-24
    # times their grain against 40-80 in the light, as clear as that light allows
    contrast = np.r_[rng.uniform(40, 80, 30), rng.uniform(10, 24, 10)].astype(np.float32)
    level = np.r_[np.full(30, 240.0), np.full(10, 65.0)].astype(np.float32)
    assert not faint(contrast, np.ones(40, bool), level, np.zeros(40, bool)).any()


def test_a_walls_marks_around_a_page_are_the_ground_but_faint_digits_on_it_not():
    rng = np.random.default_rng(7)
    # a page (x 200-500, y 100-400) of 15 digits 20 px tall standing out 100-200 times their
    # grain, on a wall nearly as bright as it (0.8) whose 20 marks, read as all kinds of
    # digits, stand out 9-23 times: the median of all fell among the wall's marks, and they
    # passed its bar
    page = np.c_[rng.uniform(200, 480, 15), rng.uniform(100, 380, 15), np.full((15, 2), 20)]
    wall = np.c_[rng.uniform(0, 150, 20), rng.uniform(0, 500, 20), np.full((20, 2), 15)]
    boxes = np.r_[page, wall].astype(np.int32)
    contrast = np.r_[rng.uniform(100, 200, 15), rng.uniform(9, 23, 20)].astype(np.float32)
    level = np.r_[np.full(15, 200.0), np.full(20, 160.0)].astype(np.float32)
    confident, ones = np.ones(35, bool), np.zeros(35, bool)
    assert not faint(contrast, confident, level, ones).any()  # without the boxes, as before
    assert faint(contrast, confident, level, ones, boxes).tolist() == [False] * 15 + [True] * 20
    # ... but the same faint marks among the page's digits (a marker number among a cheque's
    # printed words), or on paper as light as the page's beyond its clear digits (a pencil's
    # digits on the same page), are writing
    among = np.r_[page, page[rng.integers(0, 15, 20)] + (0, 25, 0, 0)].astype(np.int32)
    assert not faint(contrast, confident, level, ones, among).any()
    assert not faint(contrast, confident, np.full(35, 200.0, np.float32), ones, boxes).any()


def test_a_lone_mark_off_the_page_on_a_rougher_ground_is_that_grounds():
    # four digits on a page (x 100-400), standing out about 50x their paper's grain (1% of its
    # level); a mark off the page at x 800 standing out 20x (0.4 of the writing: faint()'s bar
    # is 0.25) on a ground three times as grainy is the wall's speck
    boxes = np.array(
        [[100, 100, 30, 40], [140, 100, 30, 40], [300, 300, 30, 40], [370, 300, 30, 40]]
        + [[800, 200, 10, 30]],
        np.int32,
    )
    contrast = np.array([50, 55, 48, 60, 20], np.float32)
    grain = np.array([0.010, 0.011, 0.010, 0.012, 0.03], np.float32)
    confident = np.ones(5, bool)
    level = np.full(5, 200.0, np.float32)
    alone = np.array([False, False, False, False, True])
    assert not faint(contrast, confident, level, None, boxes).any()
    rough = rough_ground(contrast, grain, confident, level, boxes, alone)
    assert rough.tolist() == [False, False, False, False, True]
    # on paper as smooth as the page's (a sticky note beside it): writing, however faint
    smooth = grain.copy()
    smooth[4] = 0.012
    assert not rough_ground(contrast, smooth, confident, level, boxes, alone).any()
    # a digit with others beside it (a number written on the wall) or in a form's box: writing
    assert not rough_ground(contrast, grain, confident, level, boxes, np.zeros(5, bool)).any()
    # on the page, among its writing: judged by faint() alone
    among = boxes.copy()
    among[4, :2] = (250, 200)
    assert not rough_ground(contrast, grain, confident, level, among, alone).any()
    # half again as tall as the writing (a digit written big, its grain measured coarser)
    tall = boxes.copy()
    tall[4, 3] = 60
    assert not rough_ground(contrast, grain, confident, level, tall, alone).any()
    # half as clear as the writing or more: writing
    clear = contrast.copy()
    clear[4] = 30.0
    assert not rough_ground(clear, grain, confident, level, boxes, alone).any()
