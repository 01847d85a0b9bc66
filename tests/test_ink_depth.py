"""The writing's depth below the paper, and the ink thresholds scaled to it
(camdigit.core.ink_depth)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import camdigit.core.ink_depth as depth_module
from benchmarks.matching import score_frame
from benchmarks.photo_variants import faded
from benchmarks.scenes import render_scene
from camdigit.core.classifier import DigitClassifier
from camdigit.core.finder import FinderConfig
from camdigit.core.ink_depth import (
    REFERENCE,
    Depths,
    darkest_cells,
    measured_depths,
    scaled_to_writing,
)
from camdigit.core.pipeline import Recognizer
from camdigit.core.pixels import shrunk


def _depths(page: np.ndarray, paper: float, dim: np.ndarray | None = None) -> Depths:
    small, step = shrunk(page)
    level = np.full(small.shape, paper, np.float32)
    return measured_depths(darkest_cells(page, small.shape, step), level, dim)


def test_the_writing_depth_is_that_of_its_darkest_strokes_not_of_a_speck():
    page = np.full((480, 640), 200, np.uint8)
    for k in range(6):  # six digit-sized loops of a pen 120 levels deep, two pixels wide
        cv2.ellipse(page, (80 + 95 * k, 240), (25, 40), 0, 0, 360, 80, 2)
    assert _depths(page, 200.0).writing == pytest.approx(0.6, abs=0.02)
    page[10, 10] = 0  # a dead pixel is no writing
    assert _depths(page, 200.0).writing == pytest.approx(0.6, abs=0.02)
    assert _depths(page, 200.0).ground == pytest.approx(0.0, abs=0.01)  # clean paper
    # the same strokes on a dim ground (a desk) are not measured there
    small, _ = shrunk(page)
    assert _depths(page, 200.0, np.ones(small.shape, bool)) == Depths(0.0, 0.0)


def test_a_grainy_ground_s_own_dips_are_measured_as_the_ground_s():
    rng = np.random.default_rng(4)
    grain = cv2.GaussianBlur(rng.normal(0.0, 12.0, (480, 640)), (0, 0), 2)
    page = np.clip(180 + grain, 0, 255).astype(np.uint8)
    depths = _depths(page, 200.0)
    assert depths.ground > 0.1  # a wall's or a blurred noise's texture reaches far below
    # written faint there, clear ink is not scaled into the ground's reach
    cfg = scaled_to_writing(FinderConfig(), Depths(0.2, depths.ground))
    assert 1 - cfg.ink_ratio >= depths.ground - 1e-9


def test_the_thresholds_hold_for_a_pens_writing_and_scale_with_fainter_writing():
    cfg = FinderConfig()
    assert scaled_to_writing(cfg, Depths(REFERENCE, 0.0)) is cfg
    assert scaled_to_writing(cfg, Depths(0.9, 0.0)) is cfg
    fainter = scaled_to_writing(cfg, Depths(REFERENCE * 0.8, 0.0))
    assert 1 - fainter.ink_ratio == pytest.approx((1 - cfg.ink_ratio) * 0.8)
    assert 1 - fainter.faint_ratio == pytest.approx((1 - cfg.faint_ratio) * 0.8)
    assert fainter.ink_margin == cfg.ink_margin  # a camera's noise does not fade with the writing
    # clear ink no shallower than a dark pen's faint level: lighter specks are the ground's
    faintest = scaled_to_writing(cfg, Depths(0.01, 0.0))
    assert faintest.ink_ratio == pytest.approx(cfg.faint_ratio)
    # clear ink stays deeper than a grainy ground's own dips reach
    grainy = scaled_to_writing(cfg, Depths(REFERENCE / 4, 0.2))
    assert 1 - grainy.ink_ratio == pytest.approx(0.2)
    assert scaled_to_writing(cfg, Depths(REFERENCE / 4, 0.3)) is cfg


@pytest.mark.parametrize(("family", "seed"), [("whiteboard", 3), ("ink", 3)])
def test_a_page_written_faint_is_read_nearly_as_the_same_page_written_dark(
    mnist_1000, monkeypatch, family, seed
):
    # a whiteboard's marker and a light ink, a third of their depth kept (a worn marker, a hard
    # pencil): a dark pen's thresholds see 3 and 5 of their 19 digits
    images, labels = mnist_1000
    scene = render_scene(images, labels, family, seed, (640, 480))
    truth = scene.truth
    recognizer = Recognizer(DigitClassifier())

    def score(keep: float):
        result = recognizer.process(faded(scene.image, keep), still=True)
        d = result.detections
        return score_frame(
            d, result.numbers, truth.boxes, truth.labels, truth.partial, truth.numbers
        )

    dark, faint = score(1.0), score(0.3)
    assert dark.truth == faint.truth == 19
    assert dark.read >= 18 and dark.false == 0, dark.as_dict()
    assert faint.read >= 16 and faint.false == 0, faint.as_dict()
    monkeypatch.setattr(depth_module, "REFERENCE", 1e-9)  # a dark pen's thresholds
    assert score(0.3).read <= 8
