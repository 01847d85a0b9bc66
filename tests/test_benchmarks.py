"""The measuring stick itself: every command's help, the scoring rules, the gallery, the guard."""

from __future__ import annotations

import importlib
import json

import cv2
import numpy as np
import pytest

from benchmarks import baseline
from benchmarks.gallery import ErrorGallery
from benchmarks.matching import (
    VIDEO_READ_SHARE,
    ErrorCase,
    score_photo,
    score_video_digits,
)
from camdigit.core.detections import Detections
from camdigit.core.pipeline import Recognizer

COMMANDS = [
    "run",
    "model",
    "scenes",
    "soak",
    "make_samples",
    "unusual_digits",
    "marks",
    "photo_variants",
    "find_speed",
    "border_cuts",
    "scene_scales",
    "scene_framings",
    "page_sweep",
]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_benchmark_command_answers_help(name, capsys):
    module = importlib.import_module(f"benchmarks.{name}")
    with pytest.raises(SystemExit) as stop:
        module.main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage:") and len(out.splitlines()) > 3


def test_find_speed_times_each_family_named(capsys):
    from benchmarks.find_speed import main

    assert main(["--families", "clean", "grid", "--scenes", "1", "--passes", "1"]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["clean", "grid"]
    assert all(float(row.split()[1]) > 0 for row in rows)
    assert main(["--families", "clean", "--scenes", "1", "--passes", "1", "--whole"]) == 0
    header, row = capsys.readouterr().out.splitlines()[1:]
    assert header.split()[1] == "read" and float(row.split()[1]) > 0


def test_border_cuts_measures_cut_digits_darker_on_the_border_than_the_bound(capsys):
    from benchmarks.border_cuts import main
    from camdigit.core.frame_border import GRAZE_DARK

    assert main(["--families", "rows", "--videos", "1", "--every", "5"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[3:]}
    count, median = int(rows["cut"][1]), float(rows["cut"][4])
    assert count > 0 and median > GRAZE_DARK  # a cut stroke is as dark on the border as inside
    assert main(["--data", "/nonexistent"]) == 2
    assert "not found" in capsys.readouterr().err


def test_photo_variants_change_the_photo_as_named_and_need_labelled_photos(tmp_path, capsys):
    from benchmarks.photo_variants import VARIANTS, main, moving

    image = np.full((60, 80, 3), 200, np.uint8)
    image[20:40, 30:36] = 20  # a dark bar left of the middle
    assert VARIANTS["original"](image) is image
    assert VARIANTS["half"](image).shape == (30, 40, 3)
    assert VARIANTS["x0.4"](image).shape == (24, 32, 3) and VARIANTS["x0.3"](image).shape[0] == 18
    assert VARIANTS["double"](image).shape == (120, 160, 3)
    sideways, left = VARIANTS["sideways"](image), VARIANTS["sideways-left"](image)
    assert sideways.shape == left.shape == (80, 60, 3)  # the whole photo turned a quarter
    assert sideways[30:36, 20:40].max() == 20 and left[44:50, 20:40].max() == 20  # the bar
    assert VARIANTS["upside-down"](image)[20:40, 44:50].max() == 20
    turned = VARIANTS["turned12"](image)
    assert turned.shape == image.shape and not np.array_equal(turned, image)
    assert turned[0, 0].tolist() == [200, 200, 200]  # corners filled with the border's colour
    assert VARIANTS["inverted"](image)[30, 33].tolist() == [235, 235, 235]
    assert VARIANTS["dim"](image).max() < image.max()
    faded = VARIANTS["faded"](image)
    assert faded[0, 0].tolist() == [200, 200, 200]  # the paper stays
    assert faded[30, 33].tolist() == [128, 128, 128]  # the bar 40% as far below it
    glare = VARIANTS["glare"](image).astype(int)
    assert glare[24, 32, 0] >= 245  # light added left of and above the middle, to white
    assert (glare[24, 32] - faded[24, 32]).min() > 100 and glare[59, 79, 0] - 200 < 5
    # a shade over the left half, at 45% of the light: soft at its edge, or hard
    soft, hard = VARIANTS["shaded"](image), VARIANTS["shaded-hard"](image)
    assert soft[0, 0].tolist() == hard[0, 0].tolist() == [90, 90, 90]
    assert soft[0, 79].tolist() == hard[0, 79].tolist() == [200, 200, 200]
    assert soft[30, 33, 0] == hard[30, 33, 0] == 9  # the bar in the shade too
    assert hard[0, 37, 0] == 90 < soft[0, 37, 0] and soft[0, 42, 0] < hard[0, 42, 0]  # softer
    # a moving camera smears 7 px along its motion: the upright bar fades when the camera
    # moves sideways, across it, and keeps its depth when it moves up, along it
    sideways, upward = moving(7, 0.0, noise=0.0)(image), moving(7, 90.0, noise=0.0)(image)
    assert sideways[30, 33, 0] == 46 and sideways[30, 28, 0] == 149  # (6 x 20 + 200) / 7
    assert upward[30, 33, 0] == 20 and upward[18, 33, 0] == 149 and upward[30, 28, 0] == 200
    diagonal = moving(7, 45.0, noise=0.0)(image)
    assert 20 < diagonal[30, 33, 0] < 46  # partly along, partly across
    assert sideways[0, 0].tolist() == [200, 200, 200] and sideways.dtype == np.uint8
    # the variants add a sensor's noise after the smear (2 levels; the same for a seed)
    noisy = VARIANTS["moving"](image).astype(np.float32) - sideways
    assert 1.5 < float(noisy.std()) < 2.5 and abs(float(noisy.mean())) < 0.2
    assert np.array_equal(VARIANTS["moving"](image), VARIANTS["moving"](image))
    assert main(["--photos", str(tmp_path)]) == 2
    assert "labels.json" in capsys.readouterr().err


def test_scene_scales_resizes_each_scene_with_its_truth_and_scores_every_scale(capsys):
    from benchmarks.run import load_digits
    from benchmarks.scene_scales import main, resized
    from benchmarks.scenes import scene_set

    images, labels, _ = load_digits(None)  # the test fixture's digits
    scene = next(iter(scene_set(images, labels, ["clean"], 1, 5)))
    image, truth = resized(scene, 0.5)
    assert image.shape[:2] == (scene.image.shape[0] // 2, scene.image.shape[1] // 2)
    assert np.abs(truth.boxes - scene.truth.boxes / 2).max() <= 0.5
    assert truth.labels is scene.truth.labels and truth.marks.shape[1:] == (4,)
    assert resized(scene, 1.0)[0] is scene.image
    assert main(["--families", "clean", "--scales", "0.75", "1", "--scenes", "1"]) == 0
    row = capsys.readouterr().out.splitlines()[-1].split()
    assert row[0] == "clean" and len(row) == 5
    assert all(float(read.rstrip("%")) > 80 for read in row[1::2])  # a clean page, either size
    # framed first (a page upright on a desk), then resized: the framing's canvas, scaled
    from benchmarks.scene_framings import FRAMINGS
    from benchmarks.scene_scales import framed_and_resized

    framed_image, framed_truth = framed_and_resized(scene, 2.0, FRAMINGS["portrait-desk"])
    assert framed_image.shape[0] == 2 * scene.image.shape[0]
    assert framed_image.shape[1] < framed_image.shape[0]  # upright
    assert len(framed_truth.boxes) == len(scene.truth.boxes)
    assert main(["--families", "clean", "--framing", "portrait-desk", "--scenes", "1"]) == 0
    assert "framed portrait-desk" in capsys.readouterr().out
    assert main(["--scales", "0"]) == 2
    assert "--scales" in capsys.readouterr().err


def test_scene_framings_cut_and_place_each_scene_with_its_truth(capsys):
    from benchmarks.run import load_digits
    from benchmarks.scene_framings import DESK, FRAMINGS, framed, main
    from benchmarks.scenes import scene_set

    images, labels, _ = load_digits(None)  # the test fixture's digits
    scene = next(iter(scene_set(images, labels, ["clean"], 1, 5)))
    height, width = scene.image.shape[:2]
    image, truth = framed(scene, FRAMINGS["landscape"])
    assert (image == scene.image).all() and (truth.boxes == scene.truth.boxes).all()
    image, truth = framed(scene, FRAMINGS["portrait"])  # the middle 540 of 960 columns
    assert image.shape[:2] == (height, round(0.5625 * width))
    x0 = round(0.21875 * width)
    b = scene.truth.boxes
    inside = (b[:, 0] >= x0) & (b[:, 0] + b[:, 2] <= x0 + image.shape[1])
    assert (truth.partial == (scene.truth.partial | ~inside)).all()
    assert (truth.boxes[inside, 0] == b[inside, 0] - x0).all()
    # a digit the framing cuts keeps the box of the part it shows (the truth's boxes are the
    # visible ink's: a reading of that part lies on it, neither found nor false)
    x, w = truth.boxes[:, 0], truth.boxes[:, 2]
    assert (x >= 0).all() and (x + w <= image.shape[1]).all()
    cut = ~inside & (b[:, 0] < x0 + image.shape[1]) & (b[:, 0] + b[:, 2] > x0)
    assert cut.any() and (w[cut] > 0).all() and (w[cut] < b[cut, 2]).all()
    image, truth = framed(scene, FRAMINGS["desk"])  # the same part 0.7 times, desk around it
    assert image.shape == scene.image.shape and (image[0, 0] == DESK).all()
    k = int(np.flatnonzero(~truth.partial)[0])
    x, y, w, h = truth.boxes[k].tolist()
    assert image[y : y + h, x : x + w].min() < 128  # the digit's ink is where its box says
    image, truth = framed(scene, FRAMINGS["sideways"])  # the page turned a quarter clockwise
    assert image.shape[:2] == (width, height)
    pairs = zip(scene.truth.boxes.tolist(), truth.boxes.tolist(), strict=True)
    for (x0, y0, w0, h0), (x, y, w, h) in pairs:
        digit = cv2.rotate(scene.image[y0 : y0 + h0, x0 : x0 + w0], cv2.ROTATE_90_CLOCKWISE)
        assert (image[y : y + h, x : x + w] == digit).all()  # each box on its digit, turned
    assert main(["--families", "clean", "--framings", "portrait", "desk", "--scenes", "1"]) == 0
    row = capsys.readouterr().out.splitlines()[-1].split()
    assert row[0] == "clean" and len(row) == 5
    assert all(float(read.rstrip("%")) > 80 for read in row[1::2])


# ---------------------------------------------------------------------------------------------
# Videos: each distinct digit once


def _frames(tracks: list[int], digits: list[int], box=(10, 10, 20, 30)):
    """One digit (id 7, a "4") on screen for len(tracks) frames; -9 in digits: not detected."""
    found, boxes, labels, partial, ids = [], [], [], [], []
    for track, digit in zip(tracks, digits, strict=True):
        if digit == -9:
            found.append(Detections.empty())
        else:
            found.append(
                Detections(
                    np.array([box], np.int32),
                    np.array([digit]),
                    np.array([0.9], np.float32),
                    np.array([track]),
                )
            )
        boxes.append(np.array([box], np.int32))
        labels.append(np.array([4]))
        partial.append(np.array([False]))
        ids.append(np.array([7]))
    return found, boxes, labels, partial, ids


def test_a_video_digit_counts_once_and_is_read_when_its_track_is_right_nine_times_in_ten():
    n = 20
    wrong = n - int(np.ceil(VIDEO_READ_SHARE * n))  # 2 of 20 frames may be wrong
    good = score_video_digits(*_frames([1] * n, [4] * (n - wrong) + [9] * wrong))
    assert (good.distinct, good.found, good.read) == (1, 1, 1)
    bad = score_video_digits(*_frames([1] * n, [4] * (n - wrong - 1) + [9] * (wrong + 1)))
    assert (bad.distinct, bad.found, bad.read) == (1, 1, 0)
    assert bad.errors and bad.errors[0].expected == "4" and bad.errors[0].read.startswith("9")


def test_a_video_digit_whose_track_changes_is_not_read():
    # right in every frame, but split over two tracks of half the frames each
    split = score_video_digits(*_frames([1] * 10 + [2] * 10, [4] * 20))
    assert (split.found, split.read) == (1, 0)


def test_a_video_digit_missed_in_most_frames_is_neither_found_nor_read():
    missed = score_video_digits(*_frames([1] * 10, [4] * 3 + [-9] * 7))
    assert (missed.distinct, missed.found, missed.read) == (1, 0, 0)


def test_frames_where_a_digit_is_cut_by_the_border_do_not_count():
    found, boxes, labels, partial, ids = _frames([1] * 10, [4] * 5 + [-9] * 5)
    for p in partial[5:]:
        p[0] = True  # the missed frames are those where the digit leaves the view
    score = score_video_digits(found, boxes, labels, partial, ids)
    assert (score.distinct, score.found, score.read) == (1, 1, 1)


# ---------------------------------------------------------------------------------------------
# Real photos: multisets


def test_real_photos_are_scored_as_multisets_of_digits_and_numbers():
    score = score_photo([2, 0, 2, 1, 7, 7], ["2021", "77"], ["2021", "7"], ["2021", "7"])
    assert (score.truth, score.reported, score.read) == (5, 6, 5)
    assert (score.numbers, score.numbers_read) == (2, 1)
    split = score_photo([2, 0, 2, 1], ["20", "21"], ["2021"], ["2021"])
    assert split.read_accuracy == 1.0 and split.number_accuracy == 0.0
    assert score_photo([], [], ["11"], ["11"]).read == 0


# ---------------------------------------------------------------------------------------------
# The guard and its baseline


def test_the_guard_fails_on_a_fall_beyond_the_tolerance_only():
    recorded = {
        "figures": {"stills/small": {"read": 95.0, "precision": 99.0}, "photos": {"read": 90.0}}
    }
    within = baseline.compare(
        {"stills/small": {"read": 95.0 - baseline.TOLERANCE_POINTS + 0.1, "precision": 100.0}},
        recorded,
    )
    assert within.ok and within.absent == ["photos"]
    beyond = baseline.compare(
        {"stills/small": {"read": 95.0 - baseline.TOLERANCE_POINTS - 0.1, "precision": 99.0}},
        recorded,
    )
    assert not beyond.ok and beyond.failures[0].startswith("stills/small read")
    new = baseline.compare({"stills/thin": {"read": 10.0}}, recorded)
    assert new.ok and new.unknown == ["stills/thin"]


def test_the_committed_baseline_holds_every_family_of_the_check_set():
    from benchmarks.run import CHECK_VIDEO_FAMILIES, STILL_FAMILIES

    recorded = baseline.load()
    for family in STILL_FAMILIES:
        assert set(recorded["figures"][f"stills/{family}"]) == {
            "read",
            "precision",
            "numbers",
            "grouping",
        }
    for family in CHECK_VIDEO_FAMILIES:
        assert f"videos/{family}" in recorded["figures"]
    assert recorded["scenes_per_family"] == 2


@pytest.mark.slow
def test_the_guard_catches_a_regression_in_one_family_and_passes_without_it(monkeypatch, capsys):
    """A planted fault that only costs small digits: the small family's figure falls below its
    baseline and the guard fails, though the large family (and an average) hardly move."""
    from benchmarks.run import main

    args = ["--check", "--family", "small", "large", "--no-videos", "--no-photos"]
    assert main(args) == 0
    assert "guard passed" in capsys.readouterr().out

    real = Recognizer.process

    def lose_small_digits(self, frame, *rest, **kw):
        result = real(self, frame, *rest, **kw)
        result.detections = result.detections[result.detections.boxes[:, 3] >= 26]
        return result

    monkeypatch.setattr(Recognizer, "process", lose_small_digits)
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "guard FAILED" in out
    failed = [line for line in out.splitlines() if line.startswith("  stills/")]
    assert failed and all(line.startswith("  stills/small ") for line in failed)


def test_smear_films_every_video_frame_with_a_moving_camera(monkeypatch, capsys):
    """``--smear 7``: each frame the tracker reads is the rendered one smeared 7 px (a moving
    camera: its strokes' edges soften, so their gradients weaken), and the header says so."""
    import cv2

    import benchmarks.run as bench

    seen: list[np.ndarray] = []
    real_source = bench.ArraySource

    def recording(frames, *rest, **kw):
        seen.extend(frames)
        return real_source(frames, *rest, **kw)

    monkeypatch.setattr(bench, "ArraySource", recording)
    common = ["--family", "clean", "--scenes", "1", "--video-family", "video", "--videos", "1"]
    common += ["--no-photos", "--no-speed", "--no-baselines"]

    def sharpness() -> float:
        frame = cv2.cvtColor(seen[len(seen) // 2], cv2.COLOR_BGR2GRAY)
        return float(cv2.Laplacian(frame, cv2.CV_64F).var())

    assert bench.main(common) == 0
    sharp, count = sharpness(), len(seen)
    assert "smeared" not in capsys.readouterr().out
    seen.clear()
    assert bench.main([*common, "--smear", "7"]) == 0
    assert "every video frame smeared 7 px" in capsys.readouterr().out
    assert len(seen) == count and sharpness() < 0.5 * sharp


def test_write_baseline_records_the_check_figures(tmp_path, capsys):
    from benchmarks.run import main

    target = tmp_path / "baseline.json"

    def clean_stills(flag: str) -> int:
        """benchmarks.run with ``flag`` on the clean still family alone, ``target`` its baseline."""
        return main(
            [flag, "--family", "clean", "--no-videos", "--no-photos"] + ["--baseline", str(target)]
        )

    assert clean_stills("--write-baseline") == 0
    written = json.loads(target.read_text())
    assert set(written["figures"]) == {"stills/clean"}
    assert 0 <= written["figures"]["stills/clean"]["read"] <= 100
    assert written["tolerance_points"] == baseline.TOLERANCE_POINTS
    # the check against what was just recorded passes
    assert clean_stills("--check") == 0


# ---------------------------------------------------------------------------------------------
# The error gallery


def test_the_gallery_shows_each_error_with_its_expectation_on_one_page(tmp_path):
    frame = np.full((120, 160, 3), 230, np.uint8)
    frame[40:70, 50:60] = 20
    gallery = ErrorGallery(tmp_path / "g")
    gallery.add(
        "stills: clean",
        "clean-1",
        [frame],
        [
            ErrorCase("missed", 0, (50, 40, 10, 30), "1", ""),
            ErrorCase("wrong", 0, (50, 40, 10, 30), "1", "7"),
            ErrorCase("false", 0, (5, 5, 8, 8), "", "4"),
            ErrorCase("number", 0, (50, 40, 30, 30), "12", "1 2"),
        ],
    )
    gallery.add("stills: ruled", "ruled-1", [frame], [])
    gallery.add_photo("real photos", "page.jpg", frame, "2021", "20 21")
    page = gallery.write().read_text()
    images = sorted(p.name for p in (tmp_path / "g").glob("*.png"))
    assert len(images) == 5 and all(f"src='{name}'" in page for name in images)
    for text in (
        "missed</b>, expected 1, read nothing",
        "wrong digit</b>, expected 1, read 7",
        "false digit</b>, read 4",
        "wrong number</b>, expected 12, read 1 2",
        "no errors",
        "expected: <b>2021</b>",
        "read: <b>20 21</b>",
    ):
        assert text in page


def test_page_sweep_prints_each_page_of_each_variant_once(capsys):
    from benchmarks.page_sweep import VARIANTS, main, variant
    from benchmarks.run import load_digits
    from benchmarks.scenes import render_scene

    images, labels, _ = load_digits(None)
    scene = render_scene(images, labels, "clean", 1, (960, 720))
    upright, _ = variant(scene, "portrait-desk-x2")
    assert upright.shape[0] == 2 * 720 and upright.shape[1] < upright.shape[0]
    assert variant(scene, "x1")[0] is scene.image
    assert main(["--families", "clean", "--seeds", "1", "--variants", "x1", "x0.5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("family seed variant")
    rows = [line.split() for line in lines[1:]]
    assert [row[:3] for row in rows] == [["clean", "1", "x1"], ["clean", "1", "x0.5"]]
    read, digits = (int(v) for v in rows[0][3].split("/"))
    assert digits == len(scene.truth.boxes) and read >= 0.9 * digits  # a clean page, read
    # the faint variant keeps a share of the writing's depth: all of it is the page as it is
    assert np.array_equal(variant(scene, "faint", 1.0)[0], scene.image)
    ink = scene.image.min(axis=2) < 100
    assert (variant(scene, "faint")[0][ink] > scene.image[ink]).mean() > 0.9
    # each variant's truth lies in its own image
    for name in VARIANTS:
        image, truth = variant(scene, name)
        whole = truth.boxes[~truth.partial]
        assert (whole[:, :2] >= 0).all() and (whole[:, 0] + whole[:, 2] <= image.shape[1]).all()
        assert (whole[:, 1] + whole[:, 3] <= image.shape[0]).all()


def test_smear_depths_takes_the_depth_a_frame_passes_and_the_deepest_near_a_place():
    from benchmarks.smear_depths import passing, place_depths
    from camdigit.core import motion_blur

    each = np.zeros((2, len(motion_blur.DIRECTIONS), len(motion_blur.LENGTHS)))
    each[:, 10, 3] = (30.0, 4.0)  # deep in the mean, shallow in one window
    each[:, 40, 5] = (12.0, 12.0)
    depths = passing(each)
    assert depths[10, 3] == 4.0 / motion_blur.AGREE and depths[40, 5] == 12.0
    # each place finds the deepest near it: the peak, or the level everywhere else
    level = np.ones_like(depths)
    level[40, 5] = 12.0
    found = place_depths(level, np.random.default_rng(0))
    assert found.shape == (40,) and set(np.unique(found)) <= {1.0, 12.0}
    near_peak = motion_blur.near(motion_blur.Smear(int(motion_blur.LENGTHS[5]), 80.0, 0.0))
    assert level[near_peak].max() == 12.0  # 80 degrees is the 40th direction
