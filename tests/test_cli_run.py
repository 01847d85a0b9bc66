"""``camdigit run`` and ``camdigit demo`` end to end: outputs, their schema, errors, signals."""

from __future__ import annotations

import json
import signal

import cv2
import numpy as np
import pytest

from benchmarks.run import write_video
from benchmarks.scenes import render_scene, render_video
from camdigit.cli import main

from .conftest import REPO, interrupt_run, run_python

DETECTION_KEYS = {"box", "digit", "confidence", "track", "line"}


def check_record(record: dict, width: int, height: int) -> None:
    """The --json record shape of the live-recognition issue, boxes inside the frame."""
    assert set(record) >= {"source", "frame", "time", "detections", "numbers"}
    assert isinstance(record["source"], str) and isinstance(record["frame"], int)
    assert isinstance(record["time"], float)
    for d in record["detections"]:
        assert set(d) == DETECTION_KEYS
        x, y, w, h = d["box"]
        assert all(isinstance(v, int) for v in d["box"])
        assert x >= 0 and y >= 0 and x + w <= width and y + h <= height
        assert d["digit"] in range(10) and 0.0 <= d["confidence"] <= 1.0
        assert d["track"] is None or isinstance(d["track"], int)
        assert isinstance(d["line"], int) and d["line"] >= 0
    for n in record["numbers"]:
        assert set(n) == {"text", "box", "line", "id"} and n["text"].isdigit()
        assert isinstance(n["line"], int) and (n["id"] is None or isinstance(n["id"], int))


@pytest.fixture(scope="module")
def photo(tmp_path_factory, mnist_1000):
    scene = render_scene(*mnist_1000, "ruled", seed=8, size=(640, 480))
    path = tmp_path_factory.mktemp("photo") / "page.jpg"
    cv2.imwrite(str(path), scene.image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    return path, scene.truth


@pytest.fixture(scope="module")
def clip(tmp_path_factory, mnist_1000):
    video = render_video(*mnist_1000, seed=4, seconds=2.0, fps=10.0)
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    write_video(path, video.frames, video.fps)
    return path, len(video.frames)


def test_photo_to_json_on_stdout(photo, capsys):
    path, truth = photo
    assert main(["run", str(path), "--json", "-", "--no-show"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    check_record(record, 640, 480)
    assert record["source"] == str(path) and record["frame"] == 0 and record["time"] == 0.0
    assert all(d["track"] is None for d in record["detections"])
    read = sorted(n["text"] for n in record["numbers"])
    written = sorted(text for text, _ in truth.numbers)
    assert len(set(read) & set(written)) >= 0.8 * len(set(written))


def test_photo_without_outputs_prints_its_numbers(photo, capsys):
    path, truth = photo
    assert main(["run", str(path), "--no-show", "--quiet"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"{path}: ")
    numbers = out.split(": ", 1)[1].split()
    assert len(set(numbers) & {text for text, _ in truth.numbers}) >= 1


def test_video_saves_annotated_video_and_json_lines(clip, tmp_path, capsys):
    path, frames = clip
    saved, lines_path = tmp_path / "annotated.mp4", tmp_path / "out.jsonl"
    code = main(["run", str(path), "--save", str(saved), "--json", str(lines_path), "--no-show"])
    assert code == 0
    err = capsys.readouterr().err
    assert f"{frames} frames" in err and "wrote" in err
    capture = cv2.VideoCapture(str(saved))
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(10.0)
    count = 0
    while capture.read()[0]:
        count += 1
    assert count == frames
    records = [json.loads(line) for line in lines_path.read_text().splitlines()]
    assert [r["frame"] for r in records] == list(range(frames))
    for record in records:
        check_record(record, 640, 480)
    tracks = [d["track"] for r in records for d in r["detections"]]
    assert tracks and all(isinstance(t, int) for t in tracks)
    assert records[-1]["time"] == pytest.approx((frames - 1) / 10.0, abs=0.01)


def test_folder_with_a_bad_file_processes_the_rest(photo, tmp_path, caplog):
    folder = tmp_path / "shots"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(photo[0].read_bytes())
    (folder / "b.png").write_text("this is not a png")
    out = tmp_path / "annotated"
    assert main(["run", str(folder), "--save", str(out), "--no-show", "--quiet"]) == 1
    assert "skipping: cannot decode" in caplog.text and "b.png" in caplog.text
    assert (out / "a.annotated.jpg").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threads", "-1"], "--threads must be at least 1, got -1"),
        (["--conf", "1.5"], "--conf must be between 0 and 1, got 1.5"),
        (["--max-side", "-5"], "--max-side must be 0 (off) or positive"),
        (["--json", "no/such/folder/out.jsonl"], "folder no/such/folder does not exist"),
        (["--save", "no/such/folder/out.jpg"], "folder no/such/folder does not exist"),
        (["--save", "out.mp4"], "the input is an image, so give an image name"),
        (["--show"], "--show: cannot open a window"),
        (["--model", "missing.tflite"], "model file not found: missing.tflite"),
    ],
)
def test_bad_flags_are_refused_before_any_work(photo, tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["run", str(photo[0]), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("camdigit: error: ") and message in err
    assert len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # nothing was written


def test_missing_source_is_one_line(capsys):
    assert main(["run", "nowhere.mp4", "--no-show"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "camdigit: error: source not found: nowhere.mp4 (give a camera index like 0, "
        "a file, a folder, a glob, a stream URL or picam)"
    )


@pytest.mark.slow
def test_demo_runs_end_to_end_in_a_fresh_process(tmp_path):
    out = tmp_path / "new" / "demo"  # --out is created, as report --out does
    result = run_python("-m", "camdigit", "demo", "--out", str(out), "--no-show")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    tmp_path = out
    assert "sample video" in result.stdout and "sample photo" in result.stdout
    written = json.loads((REPO / "camdigit" / "samples" / "demo_truth.json").read_text())
    video_line = next(line for line in result.stdout.splitlines() if "read" in line)
    read = set(video_line.split(": read ", 1)[1].split())
    # every number of the bundled samples is read, and none the frame's edge cut short
    assert read == set(written["demo_video.mp4"])
    photo_line = next(
        line for line in result.stdout.splitlines() if line.startswith("sample photo")
    )
    assert photo_line.split(": read ", 1)[1].split() == written["demo_photo.jpg"]  # in order
    lines = (tmp_path / "camdigit-demo.jsonl").read_text().splitlines()
    assert len(lines) == 60
    capture = cv2.VideoCapture(str(tmp_path / "camdigit-demo.mp4"))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 60
    photo = cv2.imread(str(tmp_path / "camdigit-demo-photo.jpg"))
    assert photo is not None and photo.shape == (720, 960, 3)
    assert len((tmp_path / "camdigit-demo-photo.jsonl").read_text().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_close_the_outputs_cleanly(tmp_path, mnist_1000, sig):
    # A long still-camera video, so the run is surely in progress when the signal comes.
    frame = render_scene(*mnist_1000, "clean", seed=9, size=(640, 480)).image
    frames = [np.roll(frame, k % 7, axis=1) for k in range(400)]
    source = tmp_path / "long.mp4"
    write_video(source, frames, 30.0)
    saved, lines_path = tmp_path / "out.mp4", tmp_path / "out.jsonl"
    returncode, err = interrupt_run(source, saved, lines_path, 20, sig)
    assert returncode == (143 if sig == signal.SIGTERM else 130), err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    lines = lines_path.read_text().splitlines()
    assert 20 <= len(lines) < 400
    for line in lines:
        check_record(json.loads(line), 640, 480)  # every line whole
    capture = cv2.VideoCapture(str(saved))
    count = 0
    while capture.read()[0]:
        count += 1
    assert abs(count - len(lines)) <= 1  # the video was closed properly and plays


def test_a_log_gets_a_single_photo_s_progress_line_once():
    """On a terminal the bar redraws in place; in a log (stderr not a terminal) each line stays,
    so the last one is not written again when it says nothing new."""
    import io

    from camdigit.io.runner import Progress

    log = io.StringIO()
    progress = Progress(1, log)
    progress.update(1)
    progress.finish(1)
    assert log.getvalue().count("1/1 frames") == 1
    longer = io.StringIO()
    progress = Progress(3, longer)
    progress.update(1)
    progress.update(3)  # within the rate limit: not written...
    progress.finish(3)  # ... so the end is
    assert longer.getvalue().count("frames") == 2 and "3/3 frames" in longer.getvalue()


def test_save_never_replaces_an_input_and_an_output_only_with_overwrite(
    photo, clip, tmp_path, capsys
):
    """Before any frame is read: --save onto the input is refused (the photo and the video
    stay byte for byte), an existing output too unless --overwrite is given."""
    for source in (photo[0], clip[0]):
        before = source.read_bytes()
        assert (
            main(["run", str(source), "--save", str(source), "--no-show", "--quiet", "--overwrite"])
            == 2
        )
        assert "is an input" in capsys.readouterr().err
        assert source.read_bytes() == before
    out = tmp_path / "annotated.jpg"
    out.write_bytes(b"mine")
    assert main(["run", str(photo[0]), "--save", str(out), "--no-show", "--quiet"]) == 2
    assert "--overwrite" in capsys.readouterr().err and out.read_bytes() == b"mine"
    assert (
        main(["run", str(photo[0]), "--save", str(out), "--no-show", "--quiet", "--overwrite"]) == 0
    )
    assert cv2.imread(str(out)) is not None
    # a folder of inputs: its annotated copies are the outputs checked
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "page.jpg").write_bytes(photo[0].read_bytes())
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "page.annotated.jpg").write_bytes(b"old")
    assert main(["run", str(folder), "--save", str(saved), "--no-show", "--quiet"]) == 2
    assert (saved / "page.annotated.jpg").read_bytes() == b"old"
    capsys.readouterr()


def _numbers_read(lines_path) -> tuple[set[str], list[dict]]:
    records = [json.loads(line) for line in lines_path.read_text().splitlines()]
    return {n["text"] for r in records for n in r["numbers"]}, records


@pytest.mark.parametrize(
    ("camera", "turn"), [(cv2.ROTATE_180, 180), (cv2.ROTATE_90_COUNTERCLOCKWISE, 90)]
)
def test_a_camera_mounted_upside_down_or_sideways_is_read_turned_upright(
    mnist_1000, tmp_path, camera, turn
):
    video = render_video(*mnist_1000, seed=4, seconds=2.0, fps=10.0)
    upright_path, mounted_path = tmp_path / "upright.mp4", tmp_path / "mounted.mp4"
    write_video(upright_path, video.frames, video.fps)
    write_video(mounted_path, [cv2.rotate(f, camera) for f in video.frames], video.fps)
    runs: dict[str, tuple[set[str], list[dict]]] = {}
    for name, source, flags in [
        ("upright", upright_path, []),
        ("as mounted", mounted_path, []),
        ("turned", mounted_path, ["--turn", str(turn)]),
    ]:
        lines, saved = tmp_path / f"{name}.jsonl", tmp_path / f"{name} annotated.mp4"
        args = ["run", str(source), "--json", str(lines), "--save", str(saved), "--no-show"]
        assert main([*args, "--quiet", *flags]) == 0
        runs[name] = _numbers_read(lines)
    upright, _ = runs["upright"]
    turned_numbers, records = runs["turned"]
    assert len(upright) >= 5
    # read as the camera gives the frames, few numbers; turned upright, those of the upright
    assert len(runs["as mounted"][0] & upright) <= 0.3 * len(upright)
    assert len(turned_numbers & upright) >= 0.9 * len(upright)
    for record in records:  # boxes in the turned (upright) frames
        check_record(record, 640, 480)
    saved = cv2.VideoCapture(str(tmp_path / "turned annotated.mp4"))
    ok, first = saved.read()
    assert ok and first.shape[:2] == (480, 640)
