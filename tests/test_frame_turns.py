"""Frames turned upright before reading (camdigit.io.frame_turns)."""

from __future__ import annotations

import numpy as np
import pytest

from camdigit.io.frame_source import Frame
from camdigit.io.frame_turns import turned, turned_frame


def test_a_frame_turns_clockwise_by_quarters():
    frame = np.arange(6, dtype=np.uint8).reshape(2, 3)  # [[0 1 2] [3 4 5]]
    assert turned(frame, 0) is frame
    assert turned(frame, 90).tolist() == [[3, 0], [4, 1], [5, 2]]  # the left column on top
    assert turned(frame, 180).tolist() == [[5, 4, 3], [2, 1, 0]]
    assert turned(frame, 270).tolist() == [[2, 5], [1, 4], [0, 3]]
    colour = np.zeros((4, 6, 3), np.uint8)
    assert turned(colour, 90).shape == (6, 4, 3)


def test_a_frame_turned_keeps_where_it_came_from():
    frame = Frame(np.zeros((2, 3), np.uint8), index=7, time=0.5, source="cam", still=False)
    assert turned_frame(frame, 0) is frame
    upright = turned_frame(frame, 270)
    assert upright.image.shape == (3, 2)
    assert (upright.index, upright.time, upright.source, upright.still) == (7, 0.5, "cam", False)


def test_other_angles_are_refused():
    with pytest.raises(ValueError, match="0, 90, 180 or 270"):
        turned(np.zeros((2, 2), np.uint8), 45)
