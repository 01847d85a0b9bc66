"""The smear of a camera moving while its shutter is open: measured in the frame and undone."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.matching import score_frame
from benchmarks.photo_variants import moving
from benchmarks.scenes import render_scene
from camdigit.core.classifier import DigitClassifier
from camdigit.core.motion_blur import (
    DEPTH,
    Smear,
    blurred_along,
    busiest_windows,
    deepest,
    measure_smear,
    smear_kernel,
    unsmear,
    unsmeared,
    window_depths,
)
from camdigit.core.pipeline import Recognizer
from tests.pages import write_digit


def _gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def _apart(a: float, b: float) -> float:
    """Degrees between two directions (0-180: a line has no sense)."""
    d = abs(a - b) % 180.0
    return min(d, 180.0 - d)


@pytest.mark.parametrize(
    ("family", "length", "degrees"),
    [("thin", 6, 0.0), ("clean", 7, 45.0), ("marker", 9, 100.0), ("ruled", 6, 160.0)],
)
def test_a_smear_is_measured_along_its_direction_and_length(mnist_1000, family, length, degrees):
    page = _gray(render_scene(*mnist_1000, family, 3, (640, 480)).image)
    smear = measure_smear(moving(length, degrees, noise=0.0)(page))
    assert smear is not None
    assert abs(smear.length - length) <= 1, smear
    assert _apart(smear.degrees, degrees) <= 8, smear


@pytest.mark.parametrize("quality", [None, 75])
def test_a_smear_under_a_sensor_s_noise_and_a_codec_is_measured(mnist_1000, quality):
    # the noise fills the smear's notches after it (unfloored, the log spectrum hid this one)
    page = _gray(render_scene(*mnist_1000, "clean", 5, (640, 480)).image)
    frame = moving(9, 30.0, noise=2.0)(page)
    if quality is not None:
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        frame = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    smear = measure_smear(frame)
    assert smear is not None
    assert abs(smear.length - 9) <= 1 and _apart(smear.degrees, 30.0) <= 8, smear
    # the same page sharp with as much noise is no smear
    noise = np.random.default_rng(1).normal(0.0, 2.0, page.shape)
    assert measure_smear(np.clip(page + noise, 0, 255).astype(np.uint8)) is None


@pytest.mark.parametrize("family", ["clean", "ruled", "thin", "marker", "grid", "texture"])
def test_sharp_pages_and_a_codec_s_blocks_are_no_smear(mnist_1000, family):
    page = render_scene(*mnist_1000, family, 4, (960, 720)).image
    assert measure_smear(_gray(page)) is None
    # a rough JPEG's 8 px blocks ripple the cepstrum along the axes as a smear would
    ok, data = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, 10])
    assert ok
    assert measure_smear(_gray(cv2.imdecode(data, cv2.IMREAD_UNCHANGED))) is None


def test_a_pen_s_own_strokes_are_no_smear_where_their_edges_are_sharp(mnist_1000):
    # a closeup's marker strokes, 23 px wide, on a desk: the cepstrum peaks across them as a
    # 23 px smear would, past DEPTH, but the edges along that direction are the sharp ones
    # (undone with that line, the page read 9 false digits)
    from benchmarks.page_sweep import variant

    page = _gray(variant(render_scene(*mnist_1000, "closeup", 4, (960, 720)), "desk")[0])
    windows = busiest_windows(page)
    peak = deepest(window_depths(windows), DEPTH)
    assert peak is not None and not blurred_along(windows, peak.degrees)
    assert measure_smear(page) is None
    # a page of writing smeared that way is blurred along it
    smeared = moving(9, peak.degrees, noise=0.0)(_gray(render_scene(*mnist_1000, "clean", 3).image))
    assert blurred_along(busiest_windows(smeared), peak.degrees)


def test_frames_with_nothing_to_measure_are_left_as_they_are():
    blank = np.full((480, 640), 200, np.uint8)
    assert measure_smear(blank) is None
    small = np.random.default_rng(0).integers(0, 255, (100, 120), dtype=np.uint8)
    assert measure_smear(small) is None
    out, smear = unsmeared(small)
    assert out is small and smear is None


def test_a_few_strokes_on_blank_paper_are_no_smear(mnist_1000):
    # a few big digits and a bar on noiseless paper ripple one window's cepstrum by their own
    # widths as a smear would (this page 0.06 deep in one window, at 5 px): no second window
    # holds them
    images, labels = mnist_1000
    page = np.full((360, 480), 235, np.uint8)
    for value, x, y in ((6, 200, 160), (4, 260, 160), (2, 220, 88), (2, 40, 260), (5, 100, 260)):
        write_digit(page, images[int(np.flatnonzero(labels == value)[0])], x, y, 60)
    cv2.line(page, (205, 151), (285, 151), 40, 4)
    assert measure_smear(page) is None
    # the same page smeared is measured (its two windows both hold writing)
    wide = np.full((480, 640), 235, np.uint8)
    wide[60:420, 80:560] = page
    smear = measure_smear(moving(8, 30.0, noise=0.0)(wide))
    assert smear is not None and abs(smear.length - 8) <= 1 and _apart(smear.degrees, 30.0) <= 8


def test_a_video_s_smear_is_followed_where_the_frame_alone_is_in_doubt(mnist_1000):
    # a few digits under a sensor's noise: too little writing for the smear to stand out of a
    # sharp frame's peaks anywhere, enough to stand out where the previous frame's smear was
    images, labels = mnist_1000
    page = np.full((480, 640), 235, np.uint8)
    for value, x, y in ((6, 280, 220), (4, 340, 220), (2, 300, 148), (2, 120, 320), (5, 180, 320)):
        write_digit(page, images[int(np.flatnonzero(labels == value)[0])], x, y, 60)
    frame = moving(8, 30.0, noise=2.0)(page)
    assert measure_smear(frame) is None
    smear = measure_smear(frame, last=Smear(8, 32.0, 20.0))
    assert smear is not None and abs(smear.length - 8) <= 1 and _apart(smear.degrees, 30.0) <= 4
    # not where the last frame's smear ran another way, nor in the sharp frame
    assert measure_smear(frame, last=Smear(8, 120.0, 20.0)) is None
    assert measure_smear(page, last=Smear(8, 30.0, 20.0)) is None


def test_the_smear_s_kernel_is_a_line_of_its_length():
    kernel = smear_kernel(Smear(7, 0.0, 1.0))
    assert kernel.shape[0] % 2 == 1 and kernel.sum() == pytest.approx(1.0)
    row = kernel[kernel.shape[0] // 2]
    assert row.sum() == pytest.approx(1.0) and np.count_nonzero(row > 0.01) == 7
    upright = smear_kernel(Smear(7, 90.0, 1.0))
    np.testing.assert_allclose(upright, kernel.T, atol=1e-6)


def test_a_thin_stroke_across_the_motion_gets_its_depth_back():
    page = np.full((300, 300), 230, np.uint8)
    cv2.line(page, (150, 60), (150, 240), 60, 2)  # a thin upright stroke, 170 levels deep
    smeared = moving(9, 0.0)(page)  # moved sideways: spread over 9 px
    row = slice(100, 200)
    assert int(smeared[row].min()) > 150  # a fifth of its depth left, below any ink level
    undone = unsmear(smeared, Smear(9, 0.0, 1.0))
    assert int(undone[row, 140:160].min()) < 110
    # the paper away from the stroke stays paper
    assert abs(float(np.median(undone[row, 20:100])) - 230) <= 3


def test_a_thin_pen_s_page_from_a_moving_camera_is_read(mnist_1000):
    # a 1-2 px pen smeared 7 px at an angle: its strokes across the motion fall below the ink
    # level and its digits into pieces read as 1s (this page read 10 of its 25 digits so, with a
    # false one)
    scene = render_scene(*mnist_1000, "thin", 6, (640, 480))
    frame = moving(7, 30.0)(scene.image)
    result = Recognizer(DigitClassifier()).process(frame, "moving.png", still=True)
    truth = scene.truth
    s = score_frame(
        result.detections, result.numbers, truth.boxes, truth.labels, truth.partial, truth.numbers
    )
    assert s.read_accuracy >= 0.9 and s.false == 0, s.as_dict()


def test_a_frame_darker_on_one_side_is_undone_without_stripes_at_its_borders():
    # a lamp's fall-off: 130 levels on the left, 70 on the right; the DFT wraps the frame
    # round, and a step where its sides meet would ring along the motion as an edge does
    ramp = np.linspace(130.0, 70.0, 320, dtype=np.float32)
    page = np.tile(ramp, (240, 1)).astype(np.uint8)
    undone = unsmear(moving(9, 0.0, noise=0.0)(page), Smear(9, 0.0, 1.0))
    difference = np.abs(undone.astype(np.int16) - page.astype(np.int16))
    assert int(difference.max()) <= 8, int(difference.max())  # 55 levels with a step


def test_a_recognizer_carries_a_video_s_smear_to_its_next_frame_only(mnist_1000):
    page = _gray(render_scene(*mnist_1000, "clean", 3, (640, 480)).image)
    recognizer = Recognizer(DigitClassifier())
    recognizer.process(moving(8, 30.0)(page), "photo.png", still=True)
    assert recognizer.smear is None  # a photo is no frame of a video
    recognizer.process(moving(8, 30.0)(page), "video.mp4", 0)
    assert recognizer.smear is not None and abs(recognizer.smear.length - 8) <= 1
    recognizer.process(page, "video.mp4", 1)  # the camera stopped
    assert recognizer.smear is None
    recognizer.process(moving(8, 30.0)(page), "video.mp4", 2)
    recognizer.reset()  # a new video
    assert recognizer.smear is None
