"""The per-frame pipeline (find, normalize, classify, track, group) on rendered scenes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.matching import Score, score_frame
from benchmarks.scene_framings import FRAMINGS, framed
from benchmarks.scenes import render_scene, render_video
from camdigit.core.classifier import DigitClassifier
from camdigit.core.cuts import cut_pieces, stroke_cores
from camdigit.core.detections import NO_TRACK
from camdigit.core.look_scales import look_scales, small_writing
from camdigit.core.pipeline import Recognizer
from camdigit.core.tracking import DigitTracker


@pytest.fixture(scope="module")
def classifier() -> DigitClassifier:
    return DigitClassifier()


def score(result, truth) -> Score:
    return score_frame(
        result.detections, result.numbers, truth.boxes, truth.labels, truth.partial, truth.numbers
    )


@pytest.mark.parametrize("family", ["clean", "ruled", "perspective"])
def test_reads_the_digits_and_numbers_of_a_page(classifier, mnist_1000, family):
    scene = render_scene(*mnist_1000, family, seed=21)
    result = Recognizer(classifier).process(scene.image, "page.png", still=True)
    s = score(result, scene.truth)
    assert s.read_accuracy >= 0.95, s.as_dict()
    assert s.false <= 1, s.as_dict()
    assert s.number_accuracy >= 0.85, s.as_dict()
    assert (result.detections.tracks == NO_TRACK).all()
    assert set(result.timings) == {"find", "preprocess", "classify", "track"}
    # a photo reads the finder's proposals (the pieces of a blob only where its whole reading
    # could be beaten, and a blob proposed whole is cut only then); the model's judgement drops
    # some
    proposed = Recognizer(classifier).propose(scene.image)
    cuttable = np.flatnonzero(proposed.data["cuttable"])
    pieces = sum(len(cut_pieces(proposed.data["crops"][i], proposed.boxes[i])) for i in cuttable)
    assert len(proposed) + pieces >= result.classified >= len(result.detections)
    if family == "clean":  # it has wide blobs: those read sure whole were not cut
        assert pieces > 0 and result.classified < len(proposed) + pieces


@pytest.mark.parametrize(("seed", "least"), [(1, 55), (6, 55)])
def test_a_still_s_small_writing_is_read_enlarged(classifier, mnist_1000, seed, least):
    # a page of small digits on a desk, a phone held upright over it: the digits read first are
    # 14-16 px tall, under SMALL_WRITING, and the photo is read again twice as large (before:
    # 52 of 55 and 53 of 56)
    scene = render_scene(*mnist_1000, "small", seed, (960, 720))
    image, truth = framed(scene, FRAMINGS["portrait-desk"])
    recognizer = Recognizer(classifier)
    assert look_scales(image.shape, recognizer.max_side) == (1.0, 1280 / 720)  # to max_side
    result = recognizer.process(image, still=True)
    s = score(result, truth)  # boxes in the frame's pixels
    assert s.read >= least and s.false == 0, s.as_dict()
    assert result.classified > len(recognizer.propose(image))  # both readings counted
    first = recognizer.propose(image)
    enlarged = recognizer.propose(image, enlarged=True)
    crops = [np.median([c.shape[0] for c in p.data["crops"]]) for p in (first, enlarged)]
    assert crops[1] > 1.5 * crops[0]
    # a video's or a camera's frames are read at one size (a tracker follows them, and
    # --no-track reads every frame as it comes)
    tracked = Recognizer(classifier, tracker=DigitTracker()).process(image)
    untracked = recognizer.process(image)
    assert tracked.classified < result.classified and untracked.classified < result.classified


@pytest.mark.parametrize(("seed", "least"), [(2, 44), (3, 40)])
def test_small_graph_paper_is_read_enlarged_too(classifier, mnist_1000, seed, least):
    # graph paper at half the stick's size: the digits' strokes as thin as its lines, cut
    # where the lines are erased; read again twice as large, its lines are found whole
    # (before, a grid page was read once: 35 of 48 and 36 of 43, a false digit)
    from benchmarks.scene_scales import resized

    image, truth = resized(render_scene(*mnist_1000, "grid", seed, (960, 720)), 0.5)
    recognizer = Recognizer(classifier)
    result = recognizer.process(image, still=True)
    s = score(result, truth)
    assert s.read >= least and s.false == 0, s.as_dict()
    assert result.classified > len(recognizer.propose(image))  # both readings counted


def test_only_a_still_whose_digits_read_are_small_is_read_again():
    from camdigit.core.detections import Detections, FrameResult

    def read(heights: list[int]) -> FrameResult:
        boxes = np.array([[10, 10, 8, h] for h in heights], np.int32).reshape(-1, 4)
        return FrameResult("", 0, 0.0, Detections(boxes), [], {"find": 1.0}, len(heights))

    # a 960x720 photo (max_side 1280) looked at 1.33 times larger, a 640x480 one twice; one
    # of 2400x1800 shrunk to 1280 and one of 1280 are read at that size only
    assert look_scales((720, 960, 3), 1280) == (1.0, 1280 / 960)
    assert look_scales((480, 640), 1280) == (1.0, 2.0) and look_scales((720, 960), 0)[1] == 2
    assert look_scales((1800, 2400), 1280) == (1280 / 2400,) * 2
    assert look_scales((720, 1280), 1280) == (1.0, 1.0)
    scales = look_scales((720, 960), 1280)
    assert small_writing(read([14, 15, 17, 30]), scales, 9)  # median 16 < 18
    assert not small_writing(read([18, 19, 25]), scales, 9)
    assert not small_writing(read([]), scales, 9)  # nothing read: noise, a blank frame
    assert not small_writing(read([14, 15]), (1.0, 1.1), 9)  # hardly larger
    # a shrunk photo's digits are judged as the finder saw them (30 px in it, 16 at 0.53)
    assert small_writing(read([30, 30]), (1280 / 2400, 2.0), 9)
    assert not small_writing(read([30, 30]), look_scales((1800, 2400), 1280), 9)


def test_boxes_stay_in_input_pixels_when_frames_are_shrunk(classifier, mnist_1000):
    scene = render_scene(*mnist_1000, "clean", seed=4, size=(640, 480))
    big = cv2.resize(scene.image, (1920, 1440), interpolation=cv2.INTER_CUBIC)
    shrunk = Recognizer(classifier, max_side=640).process(big, still=True)
    truth = scene.truth
    scaled = truth.boxes * 3
    s = score_frame(shrunk.detections, [], scaled, truth.labels, truth.partial, [])
    assert s.read_accuracy >= 0.95
    assert shrunk.detections.boxes[:, 0].max() > 640  # in the big frame's pixels


def test_confidence_threshold_filters_digits(classifier, mnist_1000):
    scene = render_scene(*mnist_1000, "clean", seed=5, size=(640, 480))
    everything = Recognizer(classifier, conf=0.0).process(scene.image, still=True)
    assert len(everything.detections) >= 10
    confidences = everything.detections.confidences
    for conf in (0.5, float(np.median(confidences)), 1.0):
        kept = Recognizer(classifier, conf=conf).process(scene.image, still=True).detections
        expected = everything.detections[confidences >= conf]
        np.testing.assert_array_equal(kept.boxes, expected.boxes)
        assert np.all(kept.confidences >= conf)
    with pytest.raises(ValueError, match="conf must be between 0 and 1"):
        Recognizer(classifier, conf=1.5)


def test_video_tracks_keep_ids_and_skip_steady_digits(classifier, mnist_1000):
    video = render_video(*mnist_1000, seed=3, seconds=2.0)
    recognizer = Recognizer(classifier, tracker=DigitTracker())
    results = [
        recognizer.process(frame, "clip", i, i / video.fps) for i, frame in enumerate(video.frames)
    ]
    ids_per_frame = [set(r.detections.tracks.tolist()) for r in results]
    assert all(NO_TRACK not in ids for ids in ids_per_frame)
    # The same digits are followed: most of the first frame's tracks are still there at the end.
    assert len(ids_per_frame[0] & ids_per_frame[-1]) >= 0.6 * len(ids_per_frame[0])
    read = sum(r.classified for r in results[5:])
    shown = sum(len(r.detections) for r in results[5:])
    assert read < 0.5 * shown  # steady digits are not re-read every frame
    total = Score()
    for result, truth in zip(results, video.truths, strict=True):
        total.add(score(result, truth))
    assert total.read_accuracy >= 0.95, total.as_dict()


def test_reset_forgets_tracks(classifier, mnist_1000):
    scene = render_scene(*mnist_1000, "clean", seed=6, size=(640, 480))
    recognizer = Recognizer(classifier, tracker=DigitTracker())
    first = recognizer.process(scene.image).detections.tracks
    recognizer.reset()
    again = recognizer.process(scene.image).detections.tracks
    np.testing.assert_array_equal(np.sort(first), np.sort(again))


def turned_number(images: np.ndarray, indices: list[int], angle: float) -> np.ndarray:
    """MNIST digits written in a row, 56 px tall, the row turned ``angle`` degrees (down to the
    right), as a camera sees a page turned in its view."""
    row = np.full((100, 60 * len(indices) + 40), 235, np.uint8)
    for k, i in enumerate(indices):
        digit = cv2.resize(255 - images[i], (56, 56), interpolation=cv2.INTER_CUBIC)
        cell = row[22:78, 20 + 60 * k : 76 + 60 * k]
        np.minimum(cell, digit, out=cell)
    h, w = row.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    size = (int(w * cos + h * sin) + 40, int(w * sin + h * cos) + 40)
    turn[:, 2] += (size[0] - w) / 2, (size[1] - h) / 2
    return cv2.warpAffine(row, turn, size, borderValue=235)


@pytest.mark.parametrize(
    "indices",
    [
        [844, 75, 16, 508, 306, 268, 40, 633],
        [834, 134, 721, 872],
        [914, 539, 874, 117, 621],  # its 4 turned reads 8 at 0.9-0.99: not near-certain
    ],
)
def test_doubtful_digits_of_a_turned_line_are_read_upright(classifier, mnist_1000, indices):
    images, labels = mnist_1000
    page = turned_number(images, indices, 30.0)
    found = Recognizer(classifier).process(page, still=True).detections
    read = "".join(str(d) for d in found.digits[np.argsort(found.boxes[:, 0])])
    assert read == "".join(str(d) for d in labels[indices])


@pytest.mark.parametrize(("seed", "number"), [(38, "072398"), (75, "332")])
def test_a_frame_filling_number_is_measured_by_its_own_pieces(classifier, mnist_1000, seed, number):
    # a cheque strip's printed "$" reads as a 5, the only digit of the model's first look: the
    # number, one blob of touching digits, is cut only on the second; measured by the "$"
    # alone, the writing is a fraction of the pieces' height, and every piece was taken for two
    # rows of digits read as one (nothing of either number was read)
    scene = render_scene(*mnist_1000, "strip", seed)
    result = Recognizer(classifier).process(scene.image, "strip.png", still=True)
    assert scene.truth.numbers[0][0] == number
    assert number in [found.text for found in result.numbers]


def test_touching_digits_joined_along_their_tops_are_cut_from_below(classifier, mnist_1000):
    # numbers written with their digits overlapping (the touching family): where two digits'
    # tops run into each other, only the paper reaching up between them from below shows the
    # joint; the route up from that dip's floor cuts them (18 of the 26 digits read without it)
    scene = render_scene(*mnist_1000, "touching", 7, (640, 480))
    s = score(Recognizer(classifier).process(scene.image, "touching.png", still=True), scene.truth)
    assert s.truth == 26
    assert s.read >= 22, s.as_dict()
    assert s.false == 0, s.as_dict()


def test_touching_digits_written_small_are_cut_along_their_strokes_cores(classifier, mnist_1000):
    # touching digits a webcam's size, their strokes' soft rims a larger share of them: the
    # cuts are looked for on the strokes' cores (:func:`camdigit.core.cuts.stroke_cores`);
    # on everything not white, the rims filled the joints, the cheapest route ran round a
    # digit's outside instead, and 10 of the page's 19 digits were read
    scene = render_scene(*mnist_1000, "touching", 3, (640, 480))
    result = Recognizer(classifier).process(scene.image, "touching.png", still=True)
    s = score(result, scene.truth)
    assert s.read >= 15, s.as_dict()
    assert s.false == 0, s.as_dict()


def test_stroke_cores_leave_out_the_soft_rims():
    crop = np.full((30, 40), 255, np.uint8)
    crop[5:25, 10:14] = 40  # a stroke's core ...
    crop[5:25, 9] = crop[5:25, 14] = 200  # ... and its soft rim
    crop[5:25, 20:22] = 120  # a paler stroke: its core too (darker than halfway), its rim not
    crop[5:25, 22] = 230
    cores = stroke_cores(crop)
    assert cores[5:25, 10:14].all() and cores[5:25, 20:22].all()
    assert not cores[:, 9].any() and not cores[:, 14].any() and not cores[:, 22].any()
    assert not stroke_cores(np.full((5, 5), 255, np.uint8)).any()


def test_touching_digits_are_cut_up_from_the_cheapest_bottom_columns(classifier, mnist_1000):
    # small digits written over each other: where the paper between two of them reaches up
    # from below, the cheapest route up from that column parts them ("936" read "86", and 7
    # of the page's 24 digits read, without those routes)
    scene = render_scene(*mnist_1000, "touching", 38, (640, 480))
    result = Recognizer(classifier).process(scene.image, "touching.png", still=True)
    s = score(result, scene.truth)
    assert "936" in [number.text for number in result.numbers]
    assert s.read >= 11, s.as_dict()
    assert s.false == 0, s.as_dict()


@pytest.mark.parametrize("seed", [2, 8, 12, 13])
def test_a_whiteboard_s_digits_under_a_lamp_s_glare_are_read(classifier, mnist_1000, seed):
    # dry markers on a glossy board, a reflection washing part of it out: the digits it left
    # visible are read (these four scenes lost one or two each while the ink was measured as
    # a share of the glare-lit paper), and nothing under it is read that is not there
    scene = render_scene(*mnist_1000, "whiteboard", seed, (640, 480))
    result = Recognizer(classifier).process(scene.image, "board.png", still=True)
    s = score(result, scene.truth)
    assert s.read_accuracy >= 0.93 and s.false == 0, s.as_dict()
