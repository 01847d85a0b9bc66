"""Synthetic camera scenes: repeatable, truth boxes that match the ink, layout rules, video."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.scenes import (
    FAMILIES,
    Scene,
    Truth,
    family_seeds,
    render_scene,
    render_video,
    scene_set,
)

SMALL = (480, 360)


@pytest.fixture(scope="module")
def clean(mnist_1000) -> Scene:
    return render_scene(*mnist_1000, "clean", seed=7)


@pytest.fixture(scope="module")
def perspective(mnist_1000) -> Scene:
    return render_scene(*mnist_1000, "perspective", seed=11)


@pytest.fixture(scope="module")
def mixed(mnist_1000) -> Scene:
    return render_scene(*mnist_1000, "mixed", seed=5)


def gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.int32)


def gaps(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    """Pixels strictly between two x, y, w, h boxes: horizontally, vertically (<0: overlap)."""
    gap_x = max(b[0] - (a[0] + a[2]), a[0] - (b[0] + b[2]))
    gap_y = max(b[1] - (a[1] + a[3]), a[1] - (b[1] + b[3]))
    return int(gap_x), int(gap_y)


def inside(box: np.ndarray, outer: tuple[int, int, int, int]) -> bool:
    x, y, w, h = outer
    return box[0] >= x and box[1] >= y and box[0] + box[2] <= x + w and box[1] + box[3] <= y + h


def members(truth: Truth, number_box: tuple[int, int, int, int]) -> list[int]:
    """Indices of the digits inside a number's box, left to right."""
    found = [i for i, box in enumerate(truth.boxes) if inside(box, number_box)]
    return sorted(found, key=lambda i: truth.boxes[i][0])


def boxes_mask(shape: tuple[int, ...], boxes: np.ndarray, grow: int) -> np.ndarray:
    mask = np.zeros(shape[:2], bool)
    for x, y, w, h in boxes:
        mask[max(y - grow, 0) : y + h + grow, max(x - grow, 0) : x + w + grow] = True
    return mask


def check_truth_shape(truth: Truth, size: tuple[int, int]) -> None:
    n = len(truth.labels)
    assert truth.boxes.shape == (n, 4) and truth.boxes.dtype == np.int32
    assert truth.labels.dtype == np.int64 and truth.partial.dtype == bool
    assert truth.partial.shape == (n,) and truth.sources.shape == (n,)
    x, y, w, h = truth.boxes.T
    assert np.all((x >= 0) & (y >= 0) & (w > 0) & (h > 0))
    assert np.all((x + w <= size[0]) & (y + h <= size[1]))


# ---------------------------------------------------------------------------------------------
# Repeatability


def test_a_seed_gives_the_same_scene_byte_for_byte(mnist_1000, mixed):
    again = render_scene(*mnist_1000, "mixed", seed=5)
    assert again.image.tobytes() == mixed.image.tobytes()
    for field in ("boxes", "labels", "partial", "sources"):
        assert np.array_equal(getattr(again.truth, field), getattr(mixed.truth, field))
    assert again.truth.numbers == mixed.truth.numbers
    assert (again.family, again.seed) == ("mixed", 5)


def test_another_seed_gives_another_scene_with_other_digits(mnist_1000, clean):
    other = render_scene(*mnist_1000, "clean", seed=8)
    assert not np.array_equal(other.image, clean.image)
    shared = np.intersect1d(other.truth.sources, clean.truth.sources)
    assert len(shared) < 0.3 * min(len(other.truth.sources), len(clean.truth.sources))


def test_each_digit_image_is_used_once_with_its_own_label(mnist_1000, clean, mixed):
    images, labels = mnist_1000
    for truth in (clean.truth, mixed.truth):
        assert len(np.unique(truth.sources)) == len(truth.sources)
        assert np.array_equal(truth.labels, labels[truth.sources].astype(np.int64))


# ---------------------------------------------------------------------------------------------
# Still scenes


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_renders_a_camera_image_with_its_truth(mnist_1000, family):
    scene = render_scene(*mnist_1000, family, seed=3, size=SMALL)
    size = SMALL
    if FAMILIES[family].frame_sizes:  # close-ups and strips draw their own frame size
        size = scene.image.shape[1::-1]
        assert size in FAMILIES[family].frame_sizes
    assert scene.image.shape == (size[1], size[0], 3) and scene.image.dtype == np.uint8
    assert len(scene.truth.labels) >= (1 if family in ("closeup", "strip") else 3)
    check_truth_shape(scene.truth, size)
    assert not scene.truth.partial.any()  # a still page keeps every digit in view
    x, y, w, h = scene.truth.boxes.T
    assert x.min() > 0 and y.min() > 0 and (x + w).max() < size[0] and (y + h).max() < size[1]
    assert set(scene.truth.labels.tolist()) <= set(range(10))


def test_size_is_width_by_height(mnist_1000):
    scene = render_scene(*mnist_1000, "ruled", seed=1, size=(640, 480))
    assert scene.image.shape == (480, 640, 3)
    check_truth_shape(scene.truth, (640, 480))


LAYOUTS = [("clean", 7), ("ruled", 3), ("squared", 4), ("small", 110), ("large", 2)]
"""Flat pages (no desk, no tilt) whose layout the tests check, as (family, seed)."""


@pytest.mark.parametrize(("family", "seed"), [*LAYOUTS, ("perspective", 11), ("mixed", 5)])
def test_digit_boxes_never_touch(mnist_1000, family, seed):
    boxes = render_scene(*mnist_1000, family, seed).truth.boxes
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert max(gaps(boxes[i], boxes[j])) >= 3, (boxes[i], boxes[j])


@pytest.mark.parametrize(("family", "seed"), LAYOUTS)
def test_numbers_stand_apart_on_a_flat_page(mnist_1000, family, seed):
    truth = render_scene(*mnist_1000, family, seed).truth
    tallest = [max(truth.boxes[k][3] for k in members(truth, box)) for _, box in truth.numbers]
    for i, (_, a) in enumerate(truth.numbers):
        for j in range(i + 1, len(truth.numbers)):
            b = truth.numbers[j][1]
            height = max(tallest[i], tallest[j])
            gap_x, gap_y = gaps(np.array(a), np.array(b))
            assert gap_x >= 1.2 * height or gap_y >= 0.5 * height, (a, b)


@pytest.mark.parametrize("scene_name", ["clean", "perspective", "mixed"])
def test_number_texts_are_their_digits_left_to_right(scene_name, request):
    truth = request.getfixturevalue(scene_name).truth
    owner = np.zeros(len(truth.labels), int)
    for text, box in truth.numbers:
        digits = members(truth, box)
        assert 1 <= len(digits) <= 6
        assert text == "".join(str(truth.labels[k]) for k in digits)
        owner[digits] += 1
        x0, y0 = truth.boxes[digits, :2].min(axis=0)
        x1, y1 = (truth.boxes[digits, :2] + truth.boxes[digits, 2:]).max(axis=0)
        assert box == (x0, y0, x1 - x0, y1 - y0)  # the union of its digits' boxes
    assert np.all(owner == 1)  # on a still page every digit belongs to exactly one number


def test_truth_boxes_hold_the_ink_and_nothing_dark_lies_outside(clean):
    image = gray(clean.image)
    paper = float(np.median(image))
    assert paper > 200
    for x, y, w, h in clean.truth.boxes:
        box = image[y : y + h, x : x + w]
        assert box.min() < paper - 120  # the digit's ink is in its box
        for edge in (box[0], box[-1], box[:, 0], box[:, -1]):
            assert edge.min() < paper - 20  # and the box is tight: ink on each side
    outside = image[~boxes_mask(image.shape, clean.truth.boxes, grow=3)]
    assert outside.min() > paper - 50


def test_perspective_boxes_follow_the_warp_onto_the_ink(perspective):
    image = gray(perspective.image)
    digits = boxes_mask(image.shape, perspective.truth.boxes, grow=2)
    for x, y, w, h in perspective.truth.boxes:
        m = h // 2
        paper = np.median(image[max(y - m, 0) : y + h + m, max(x - m, 0) : x + w + m])
        assert image[y : y + h, x : x + w].min() < paper - 80  # the ink is in the box
        band = np.zeros(image.shape, bool)
        band[max(y - 4, 0) : y + h + 4, max(x - 4, 0) : x + w + 4] = True
        assert image[band & ~digits].min() > paper - 80  # and none of it just outside


def test_ruled_lines_are_much_lighter_than_ink(mnist_1000):
    for seed in (1, 2):
        scene = render_scene(*mnist_1000, "ruled", seed=seed)
        image = gray(scene.image)
        ink = np.median([image[y : y + h, x : x + w].min() for x, y, w, h in scene.truth.boxes])
        outside = image[~boxes_mask(image.shape, scene.truth.boxes, grow=3)]
        assert np.percentile(outside, 0.01) > ink + 50


def test_digit_count_follows_the_request_and_the_default(mnist_1000, clean):
    asked = render_scene(*mnist_1000, "clean", seed=2, digits=30)
    assert 24 <= len(asked.truth.labels) <= 30
    assert 35 <= len(clean.truth.labels) <= 75  # 40..70 digits by default at 960x720


@pytest.mark.parametrize(("family", "low", "high"), [("small", 20, 32), ("large", 70, 120)])
def test_digit_heights_follow_the_family(mnist_1000, family, low, high):
    heights = render_scene(*mnist_1000, family, seed=4).truth.boxes[:, 3]
    assert low * 0.9 <= np.median(heights) <= high * 1.1
    assert heights.max() <= high * 1.1


# ---------------------------------------------------------------------------------------------
# Scene sets


def test_scene_set_yields_each_family_from_its_own_seeds(mnist_1000):
    scenes = list(scene_set(*mnist_1000, ["clean", "jpeg"], per_family=2, seed=9, size=SMALL))
    assert [s.family for s in scenes] == ["clean", "clean", "jpeg", "jpeg"]
    assert [s.seed for s in scenes[:2]] == family_seeds("clean", 2, 9)
    assert [s.seed for s in scenes[2:]] == family_seeds("jpeg", 2, 9)
    again = render_scene(*mnist_1000, "jpeg", scenes[3].seed, size=SMALL)
    assert np.array_equal(again.image, scenes[3].image)


def test_unknown_family_and_wrong_digits_are_refused(mnist_1000):
    images, labels = mnist_1000
    with pytest.raises(ValueError, match="unknown family"):
        scene_set(images, labels, ["clean", "nope"], per_family=1, seed=0)
    with pytest.raises(ValueError, match="unknown family"):
        render_scene(images, labels, "nope", seed=0)
    with pytest.raises(ValueError, match="28, 28"):
        render_scene(images[:, :20], labels, "clean", seed=0)


# ---------------------------------------------------------------------------------------------
# Video


@pytest.fixture(scope="module")
def video(mnist_1000):
    return render_video(*mnist_1000, seed=1, size=(640, 480), seconds=2.0, fps=10.0)


def test_video_has_one_truth_per_frame(video):
    assert len(video.frames) == 20 and len(video.truths) == 20
    assert video.fps == 10.0 and video.family == "video" and video.seed == 1
    for frame, truth in zip(video.frames, video.truths, strict=True):
        assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
        check_truth_shape(truth, (640, 480))


def test_video_is_repeatable(mnist_1000, video):
    again = render_video(*mnist_1000, seed=1, size=(640, 480), seconds=2.0, fps=10.0)
    assert np.array_equal(again.frames[0], video.frames[0])
    assert np.array_equal(again.truths[4].boxes, video.truths[4].boxes)


def test_video_digits_move_smoothly(video):
    def positions(truth: Truth) -> dict[int, np.ndarray]:
        return {int(s): b[:2] for s, b in zip(truth.sources, truth.boxes, strict=True)}

    first, last = positions(video.truths[0]), positions(video.truths[-1])
    shared = set(first) & set(last)
    assert len(shared) >= 5
    assert max(np.abs(first[s] - last[s]).max() for s in shared) >= 5  # the camera pans
    for a, b in zip(video.truths, video.truths[1:], strict=False):
        now, then = positions(a), positions(b)
        for s in set(now) & set(then):
            assert np.abs(now[s] - then[s]).max() <= 12  # and has no jumps


def partial_counts(truths: list[Truth], size: tuple[int, int]) -> tuple[int, int, int]:
    """(digits, cut digits, digits whose cut disagrees with touching the border) over frames.

    Checks on the way that numbers hold whole digits only and that a cut digit shows no more
    ink than the same digit whole.
    """
    digits = cut = disagree = 0
    full_area: dict[int, int] = {}
    for truth in truths:
        x, y, w, h = truth.boxes.T
        touching = (x == 0) | (y == 0) | (x + w == size[0]) | (y + h == size[1])
        digits += len(x)
        cut += int(truth.partial.sum())
        disagree += int((truth.partial != touching).sum())
        for s, box in zip(truth.sources[~truth.partial], truth.boxes[~truth.partial], strict=True):
            full_area[int(s)] = max(full_area.get(int(s), 0), int(box[2] * box[3]))
        for text, box in truth.numbers:
            own = members(truth, box)
            assert text == "".join(str(truth.labels[k]) for k in own)
            assert not truth.partial[own].any()  # numbers are whole ones only
    for truth in truths:
        for s, box in zip(truth.sources[truth.partial], truth.boxes[truth.partial], strict=True):
            if int(s) in full_area:
                assert box[2] * box[3] <= full_area[int(s)]
    return digits, cut, disagree


def test_partial_digits_are_those_cut_by_the_frame(mnist_1000, video):
    truths = list(video.truths)
    for seed in (2, 4, 7):
        truths += render_video(*mnist_1000, seed=seed, seconds=2.0, fps=5.0).truths
    digits, cut, disagree = partial_counts(truths, (640, 480))
    assert cut > 0  # the pans cut some digits
    assert cut < 0.2 * digits  # but most digits are whole in most frames
    # Cut digits reach the border; a whole one seldom just touches it, and a cut digit seldom
    # shows only a detached part away from the border.
    assert disagree <= 0.02 * digits


def test_a_thin_stroke_keeps_its_whole_box_when_the_view_shrinks_the_page():
    # a stroke one page pixel wide on a column a 3x shrinking view never samples: each frame
    # pixel's truth must still see it, its box as long as the stroke
    from benchmarks.scenes import _warp_labels

    labels = np.zeros((300, 300), np.uint16)
    labels[30:270, 151] = 1
    shrink = np.diag([1 / 3, 1 / 3, 1.0])
    seen = _warp_labels(labels, shrink, (100, 100), whole=True)
    ys, xs = np.nonzero(seen == 1)
    assert len(ys)
    assert ys.min() <= 11 and ys.max() >= 88  # rows 30..269 of the page: 10..89 on screen
    assert xs.max() - xs.min() <= 1  # and no wider than a screen pixel or two
    # a view that does not shrink the page keeps the labels as they are
    same = _warp_labels(labels, np.eye(3), (300, 300), whole=True)
    assert np.array_equal(same, labels)
