"""The one detections type: parallel arrays and per-row extras, selected together."""

import numpy as np
import pytest

from camdigit.core.detections import NO_TRACK, UNREAD, Detections
from camdigit.core.proposals import END, contested, proposals


def _three() -> Detections:
    boxes = np.array([[0, 0, 10, 20], [20, 0, 10, 20], [40, 0, 12, 20]], np.int32)
    crops = [np.full((20, 10), i, np.uint8) for i in range(3)]
    return Detections(
        boxes,
        np.array([3, 1, 4]),
        np.array([0.9, 0.8, 0.7], np.float32),
        np.array([5, NO_TRACK, 7]),
        {"crops": crops, "is_digit": np.array([0.99, 0.2, 0.97], np.float32)},
    )


def test_defaults_are_unread_untracked_and_without_extras():
    d = Detections(np.zeros((2, 4), np.int32))
    assert d.digits.tolist() == [UNREAD, UNREAD]
    assert d.confidences.tolist() == [0.0, 0.0]
    assert d.tracks.tolist() == [NO_TRACK, NO_TRACK]
    assert d.data == {} and len(Detections.empty()) == 0


@pytest.mark.parametrize(
    "index, rows",
    [
        (1, [1]),
        (-1, [2]),
        (slice(0, 2), [0, 1]),
        (np.array([True, False, True]), [0, 2]),
        (np.array([2, 0]), [2, 0]),
        ([1, 1], [1, 1]),
    ],
)
def test_every_kind_of_index_selects_the_same_rows_of_every_field_and_extra(index, rows):
    d = _three()
    picked = d[index]
    assert len(picked) == len(rows)
    assert picked.boxes.tolist() == d.boxes[rows].tolist()
    assert picked.digits.tolist() == d.digits[rows].tolist()
    assert picked.confidences.tolist() == d.confidences[rows].tolist()
    assert picked.tracks.tolist() == d.tracks[rows].tolist()
    assert picked.data["is_digit"].tolist() == d.data["is_digit"][rows].tolist()
    assert [int(c[0, 0]) for c in picked.data["crops"]] == rows  # a list extra follows too


def test_an_empty_mask_gives_empty_detections_with_the_same_extras():
    picked = _three()[np.zeros(3, bool)]
    assert len(picked) == 0 and picked.data["crops"] == []
    assert sorted(picked.data) == ["crops", "is_digit"]


def test_rows_that_do_not_match_are_refused():
    with pytest.raises(ValueError, match="shape"):
        Detections(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="digits"):
        Detections(np.zeros((2, 4)), np.zeros(3))
    with pytest.raises(ValueError, match="data\\['crops'\\] has 1 rows"):
        Detections(np.zeros((2, 4)), data={"crops": [np.zeros((3, 3))]})


def test_replace_and_with_data_copy_without_touching_the_original():
    d = _three()
    read = d.replace(digits=np.array([7, 7, 7]))
    assert read.digits.tolist() == [7, 7, 7] and d.digits.tolist() == [3, 1, 4]
    assert read.data["crops"] is d.data["crops"]
    more = d.with_data(contrast=np.ones(3, np.float32))
    assert "contrast" in more.data and "contrast" not in d.data
    with pytest.raises(TypeError):
        d.replace(colour=np.zeros(3))


def test_scaled_boxes_round_outward_and_stay_in_the_frame():
    d = Detections(np.array([[1, 1, 3, 3], [8, 8, 2, 2]], np.int32))
    big = d.scaled(2.5, 24, 24)
    assert big.boxes.tolist() == [[2, 2, 8, 8], [20, 20, 4, 4]]
    assert d.scaled(4.0, 30, 30).boxes.tolist()[1] == [30, 30, 0, 0]  # past the edge: cut


def test_proposals_are_unread_detections_with_their_lattice():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 5, 10], [5, 0, 5, 10]], np.int32)
    crops = [np.zeros((10, w), np.uint8) for w in (10, 5, 5)]
    found = proposals(
        boxes,
        crops,
        np.array([0, 0, 0]),
        np.array([0, 0, 1]),
        np.array([END, 1, END]),
        np.array([9.0, 9.0, 9.0], np.float32),
    )
    assert (found.digits == UNREAD).all()
    assert contested(found.data["group"]).tolist() == [True, True, True]
    alone = proposals(boxes[:2], crops[:2])
    assert contested(alone.data["group"]).tolist() == [False, False]
    assert alone.data["end"].tolist() == [END, END] and np.isinf(alone.data["contrast"]).all()


def test_concat_puts_rows_after_one_another_extras_too():
    d = _three()
    joined = Detections.concat(d[[2]], d[:2])
    assert joined.digits.tolist() == [4, 3, 1]
    assert joined.tracks.tolist() == [7, 5, NO_TRACK]
    assert joined.boxes.dtype == np.int32 and joined.boxes[:, 0].tolist() == [40, 0, 20]
    assert [int(c[0, 0]) for c in joined.data["crops"]] == [2, 0, 1]
    assert joined.data["is_digit"].tolist() == pytest.approx([0.97, 0.99, 0.2])
    assert len(Detections.concat()) == 0
    assert len(Detections.concat(Detections.empty(), Detections.empty())) == 0
    with pytest.raises(ValueError, match="same data keys"):
        Detections.concat(d, Detections.empty())
