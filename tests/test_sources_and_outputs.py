"""Frame sources of every kind, and the JSON Lines and annotated-media writers."""

from __future__ import annotations

import json
import time

import cv2
import numpy as np
import pytest

from camdigit.core.detections import Detections, FrameResult, Number
from camdigit.io.outputs import AnnotatedWriter, JsonLinesWriter, OutputError
from camdigit.io.sources import (
    ImageSource,
    MediaListSource,
    SourceError,
    VideoSource,
    open_source,
)


def write_video(path, frames: int, size=(160, 120), fps=12.0) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        image = np.full((size[1], size[0], 3), 255, np.uint8)
        cv2.putText(image, str(i % 10), (40, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.5, (0, 0, 0), 6)
        writer.write(image)
    writer.release()


@pytest.fixture()
def media(tmp_path):
    folder = tmp_path / "media"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.full((50, 60, 3), 200, np.uint8))
    write_video(folder / "b.mp4", 7)
    cv2.imwrite(str(folder / "c.jpg"), np.full((40, 30), 90, np.uint8))
    (folder / "notes.txt").write_text("not media: ignored in a folder")
    return folder


def test_image_file_is_one_still_frame(media):
    source = open_source(str(media / "a.png"))
    assert isinstance(source, ImageSource) and source.total == 1
    frames = list(source)
    assert len(frames) == 1
    frame = frames[0]
    assert frame.image.shape == (50, 60, 3) and frame.still
    assert (frame.index, frame.time, frame.source) == (0, 0.0, str(media / "a.png"))


def test_video_file_frames_have_index_time_and_fps(media):
    with open_source(str(media / "b.mp4")) as source:
        assert isinstance(source, VideoSource) and not source.live
        assert source.fps == pytest.approx(12.0) and source.total == 7
        frames = list(source)
    assert [f.index for f in frames] == list(range(7))
    assert [round(f.time * 12) for f in frames] == list(range(7))
    assert not any(f.still for f in frames)
    assert frames[0].image.shape == (120, 160, 3)


def test_a_camera_is_a_video_capture_like_a_file(media):
    # Cameras and files go through the same VideoSource; only `live` and the name differ.
    source = VideoSource(str(media / "b.mp4"), "camera:test", live=True, retry_seconds=0.2)
    started = time.monotonic()
    frames = list(source)
    # A camera that stops delivering is retried for a bounded time, then ends with a message.
    assert 0.2 <= time.monotonic() - started < 5
    assert source.problems == ["camera:test gave no frame for 0 s: ending"]
    # Live: a reader thread keeps the newest frame; frames the loop had no time for are counted.
    assert len(frames) + source.dropped == 7 and frames[-1].index == 6
    assert frames[0].source == "camera:test"
    assert source.fps == pytest.approx(12.0)
    assert all(b.time >= a.time for a, b in zip(frames, frames[1:], strict=False))


def test_folder_yields_images_and_videos_in_name_order(media):
    source = open_source(str(media))
    assert isinstance(source, MediaListSource)
    assert source.total == 1 + 7 + 1
    names = [f.source.rsplit("/", 1)[-1] for f in source]
    assert names == ["a.png"] + ["b.mp4"] * 7 + ["c.jpg"]


def test_glob_and_bad_files_in_a_list_are_skipped(media, caplog):
    (media / "broken.png").write_text("not a png")
    (media / "empty.jpg").write_bytes(b"")
    source = open_source(str(media / "*.*g"))
    frames = list(source)
    assert [f.source.rsplit("/", 1)[-1] for f in frames] == ["a.png", "c.jpg"]
    skipped = sorted(p.split(":")[0].rsplit("/", 1)[-1] for p in source.problems)
    assert skipped == ["broken.png", "empty.jpg"]
    assert "skipping" in caplog.text


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nothing/here.png", "source not found: nothing/here.png"),
        ("nothing/*.png", "no files match"),
        ("97", "cannot open camera 97: no camera with that index"),
        ("rtsp://127.0.0.1:9/stream", "cannot open stream rtsp://127.0.0.1:9/stream"),
        ("picam", "picamera2 is not installed"),
        ("", "empty source"),
    ],
)
def test_sources_that_cannot_open_say_why(spec, message):
    with pytest.raises(SourceError, match=message):
        source = open_source(spec)
        list(source)


def test_bad_files_alone_are_named(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="no images or videos in folder"):
        open_source(str(tmp_path / "empty"))
    fake = tmp_path / "fake.mp4"
    fake.write_text("not a video")
    with pytest.raises(SourceError, match=r"cannot open video .*fake.mp4"):
        open_source(str(fake))
    text = tmp_path / "text.png"
    text.write_text("not an image")
    with pytest.raises(SourceError, match=r"cannot decode .*text.png"):
        list(open_source(str(text)))


def result(frame: int, n: int = 2) -> FrameResult:
    d = Detections(
        np.array([[10 * i, 5, 8, 12] for i in range(n)], np.int32).reshape(-1, 4),
        np.arange(n, dtype=np.int64),
        np.full(n, 0.875, np.float32),
        np.arange(1, n + 1, dtype=np.int64),
    )
    numbers = [Number("01", (0, 5, 18, 12), (0, 1), line=0, id=3)] if n == 2 else []
    return FrameResult("clip.mp4", frame, frame / 10, d, numbers)


def test_json_lines_schema_and_one_flushed_line_per_frame(tmp_path):
    path = tmp_path / "out.jsonl"
    with JsonLinesWriter(path) as writer:
        writer.write(result(0))
        # Flushed per frame: readable before the writer closes.
        assert json.loads(path.read_text().splitlines()[0])["frame"] == 0
        writer.write(result(1, n=0))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == {
        "source": "clip.mp4",
        "frame": 0,
        "time": 0.0,
        "detections": [
            {"box": [0, 5, 8, 12], "digit": 0, "confidence": 0.875, "track": 1, "line": 0},
            {"box": [10, 5, 8, 12], "digit": 1, "confidence": 0.875, "track": 2, "line": 0},
        ],
        "numbers": [{"text": "01", "box": [0, 5, 18, 12], "line": 0, "id": 3}],
    }
    assert lines[1]["detections"] == [] and lines[1]["time"] == 0.1


def test_untracked_detections_have_null_track(tmp_path):
    d = Detections(np.array([[1, 2, 3, 4]], np.int32), np.array([5]), np.array([0.9], np.float32))
    record = FrameResult("photo.jpg", 0, 0.0, d, []).to_json()
    assert record["detections"][0]["track"] is None


def test_outputs_in_missing_folders_are_refused_before_work(tmp_path, media):
    with pytest.raises(OutputError, match="folder .*missing does not exist"):
        JsonLinesWriter(tmp_path / "missing" / "out.jsonl")
    with pytest.raises(OutputError, match="it is a folder"):
        JsonLinesWriter(tmp_path)
    with pytest.raises(OutputError, match="give a video name"):
        AnnotatedWriter(tmp_path / "out.png", open_source(str(media / "b.mp4")))
    with pytest.raises(OutputError, match="give an image name"):
        AnnotatedWriter(tmp_path / "out.mp4", open_source(str(media / "a.png")))


def test_saved_video_has_the_input_frame_rate_size_and_count(tmp_path, media):
    source = open_source(str(media / "b.mp4"))
    target = tmp_path / "annotated.mp4"
    with AnnotatedWriter(target, source) as writer:
        for frame in source:
            writer.write(frame.image, frame.source, frame.still)
    capture = cv2.VideoCapture(str(target))
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(12.0)
    count = 0
    while True:
        ok, image = capture.read()
        if not ok:
            break
        assert image.shape == (120, 160, 3)
        count += 1
    assert count == 7


def test_folder_input_saves_one_annotated_file_per_input(tmp_path, media):
    source = open_source(str(media))
    out = tmp_path / "annotated"
    with AnnotatedWriter(out, source) as writer:
        for frame in source:
            writer.write(frame.image, frame.source, frame.still)
    assert sorted(p.name for p in out.iterdir()) == [
        "a.annotated.jpg",
        "b.annotated.mp4",
        "c.annotated.jpg",
    ]


def test_a_full_disk_is_reported_not_ignored():
    message = "cannot write /dev/full: No space left on device"
    with pytest.raises(OutputError, match=message), JsonLinesWriter("/dev/full") as writer:
        writer.write(result(0))


def test_a_truncated_video_is_read_as_far_as_it_goes(tmp_path, media):
    whole = (media / "b.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    try:
        source = open_source(str(cut))
    except SourceError as exc:  # the index may be gone with the tail: refused by name
        assert "cut.mp4" in str(exc)
        return
    frames = list(source)
    assert len(frames) < 7
    if source.total and len(frames) < source.total:
        assert "damaged or truncated" in source.problems[0]
