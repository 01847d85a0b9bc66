"""Saved videos play in browsers: H.264 MP4 (or VP9 WebM) through PyAV, read back by OpenCV.

Each video written here is decoded again by a second library (OpenCV's VideoCapture) and its
codec read from the file by PyAV, so a writer that only *thinks* it wrote a playable file fails.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from camdigit.commands.demo import SAMPLE_VIDEO
from camdigit.core.classifier import DigitClassifier
from camdigit.core.pipeline import Recognizer
from camdigit.core.tracking import DigitTracker
from camdigit.io import pyav_video, video_writers
from camdigit.io.outputs import AnnotatedWriter, OutputError
from camdigit.io.runner import run
from camdigit.io.sources import Frame, FrameSource, open_source

from .conftest import REPO, interrupt_run

av = pytest.importorskip("av", reason="PyAV (the av package) writes browser-playable videos")


class Recording(AnnotatedWriter):
    """Keeps a copy of every frame it is given, to compare with what is decoded later."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.images: list[np.ndarray] = []

    def write(self, image: np.ndarray, source: str, still: bool) -> None:
        self.images.append(image.copy())
        super().write(image, source, still)


class Synthetic(FrameSource):
    """Frames made here: a number drawn on a gradient, moving a little each frame."""

    def __init__(
        self, count: int, size: tuple[int, int], fps: float = 12.0, live: bool = False
    ) -> None:
        super().__init__()
        self.count, self.size, self.fps, self.live = count, size, fps, live
        self.name = "camera:test" if live else "synthetic"

    def __iter__(self) -> Iterator[Frame]:
        width, height = self.size
        ramp = np.linspace(60, 200, width, dtype=np.float32)
        for i in range(self.count):
            image = np.repeat(ramp[None, :, None], height, 0).repeat(3, 2).astype(np.uint8)
            cv2.putText(
                image,
                str(100 + i),
                (10 + 2 * i, height * 2 // 3),
                cv2.FONT_HERSHEY_SIMPLEX,
                1.2,
                (20, 40, 220),
                3,
            )
            yield Frame(image, i, i / self.fps, self.name)


def decode(path) -> tuple[list[np.ndarray], float]:
    """Every frame of a video as OpenCV reads it, and the frame rate it reports."""
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), f"OpenCV cannot open {path}"
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    return frames, fps


def stream_info(path) -> dict:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return {
            "codec": stream.codec_context.name,
            "pix_fmt": stream.codec_context.pix_fmt,
            "width": stream.width,
            "height": stream.height,
            "format": container.format.name,
        }


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def save(source: FrameSource, target, **kwargs) -> Recording:
    with Recording(target, source, **kwargs) as writer:
        for frame in source:
            writer.write(frame.image, frame.source, frame.still)
    return writer


def test_an_annotated_run_saves_h264_mp4_that_opencv_reads_back(tmp_path):
    source = open_source(str(SAMPLE_VIDEO))
    fps, total = source.fps, source.total
    target = tmp_path / "annotated.mp4"
    saver = Recording(target, source)
    summary = run(source, Recognizer(DigitClassifier(), tracker=DigitTracker()), saver=saver)
    assert summary.frames == total == len(saver.images) == 60
    assert saver.written == [target]

    info = stream_info(target)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p"
    assert "mp4" in info["format"]
    data = target.read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")  # +faststart: the index comes first

    frames, decoded_fps = decode(target)
    assert decoded_fps == pytest.approx(fps)
    assert len(frames) == total
    height, width = saver.images[0].shape[:2]
    for written, read in zip(saver.images, frames, strict=True):
        assert read.shape == (height, width, 3)
        # each frame comes back as written, annotations and all: 30-31 dB (the encoder tuned
        # for memory, a busy machine's run came out at 29.998), where the next frame's
        # picture against it gives 21-22 dB
        assert psnr(written, read) > 27


def test_odd_frame_sizes_are_padded_not_cropped(tmp_path):
    writer = save(Synthetic(6, (161, 121)), tmp_path / "odd.mp4")
    info = stream_info(tmp_path / "odd.mp4")
    assert (info["width"], info["height"]) == (162, 122)
    frames, _ = decode(tmp_path / "odd.mp4")
    assert len(frames) == 6
    for written, read in zip(writer.images, frames, strict=True):
        assert psnr(written, read[:121, :161]) > 30  # every written pixel kept
        assert np.abs(read[:121, 161].astype(int) - read[:121, 160].astype(int)).mean() < 8


def test_colours_come_back_as_written(tmp_path):
    """The BGR frames are converted to yuv420p before the encoder: blue stays blue (not red),
    and the levels keep their range (no full/limited range mix-up: black stays black)."""
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0), (40, 200, 120)]
    image = np.zeros((96, 64 * len(colours), 3), np.uint8)
    for i, colour in enumerate(colours):
        image[:, 64 * i : 64 * (i + 1)] = colour
    writer = pyav_video.PyAVVideo(tmp_path / "bars.mp4", 10.0, (image.shape[1], image.shape[0]))
    for _ in range(3):
        writer.write(image)
    writer.close()
    frames, _ = decode(tmp_path / "bars.mp4")
    assert len(frames) == 3
    for i, colour in enumerate(colours):
        read = frames[-1][48, 64 * i + 32].astype(int)
        assert np.abs(read - np.array(colour)).max() <= 6, (colour, read)


def test_webm_is_vp9(tmp_path):
    writer = save(Synthetic(8, (320, 240)), tmp_path / "clip.webm")
    assert writer.video_format is None  # closed
    info = stream_info(tmp_path / "clip.webm")
    assert info["codec"] == "vp9" and info["pix_fmt"] == "yuv420p"
    frames, _ = decode(tmp_path / "clip.webm")
    assert len(frames) == 8
    assert min(psnr(w, r) for w, r in zip(writer.images, frames, strict=True)) > 28


def test_avi_stays_motion_jpeg_through_opencv(tmp_path):
    save(Synthetic(4, (160, 120)), tmp_path / "clip.avi")
    capture = cv2.VideoCapture(str(tmp_path / "clip.avi"))
    fourcc = int(capture.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode()
    assert fourcc == "MJPG"
    assert len(decode(tmp_path / "clip.avi")[0]) == 4


def test_a_live_source_is_timed_by_the_clock(tmp_path, monkeypatch):
    """A camera whose frames the loop takes irregularly (it is slower than the camera): the
    video plays them when they happened, not at the camera's nominal 30 FPS."""
    clock = iter([100.0, 100.1, 100.25, 100.3, 100.6, 100.7])
    monkeypatch.setattr(pyav_video, "clock", lambda: next(clock))
    save(Synthetic(6, (160, 120), fps=30.0, live=True), tmp_path / "live.mp4")
    with av.open(str(tmp_path / "live.mp4")) as container:
        times = [round(float(f.pts * f.time_base), 3) for f in container.decode(video=0)]
    assert times == [0.0, 0.1, 0.25, 0.3, 0.6, 0.7]
    assert stream_info(tmp_path / "live.mp4")["codec"] == "h264"


def test_an_interrupted_run_leaves_a_whole_playable_video(tmp_path):
    """Ctrl-C at frame 10: the encoder's buffered frames are flushed and the index written."""
    target = tmp_path / "cut.mp4"
    source = open_source(str(SAMPLE_VIDEO))
    seen: list[int] = []

    def stop_at_ten(result) -> None:
        seen.append(result.frame)
        if len(seen) == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(
            source,
            Recognizer(DigitClassifier()),
            saver=AnnotatedWriter(target, source),
            on_result=stop_at_ten,
        )
    assert stream_info(target)["codec"] == "h264"
    assert len(decode(target)[0]) == 10


def test_without_pyav_opencv_writes_the_video_and_says_so_once(tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "av", None)  # import av: ImportError
    monkeypatch.setattr(video_writers, "_fallback_warned", False)
    with caplog.at_level(logging.INFO, logger="camdigit.io.video_writers"):
        first = save(Synthetic(5, (160, 120)), tmp_path / "a.mp4")
        save(Synthetic(5, (160, 120)), tmp_path / "b.mp4")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "PyAV is not installed (pip install av)" in warnings[0].getMessage()
    assert "a.mp4" in warnings[0].getMessage()
    monkeypatch.undo()  # PyAV back, to read what OpenCV wrote
    for name in ("a.mp4", "b.mp4"):
        assert stream_info(tmp_path / name)["codec"] == "mpeg4"
        frames, fps = decode(tmp_path / name)
        assert len(frames) == 5 and fps == pytest.approx(12.0)
    assert first.written == [tmp_path / "a.mp4"]


def test_an_encoder_that_cannot_start_falls_back_to_opencv(tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(pyav_video.PYAV_CODECS, ".mp4", "no-such-encoder")
    monkeypatch.setattr(video_writers, "_fallback_warned", False)
    with caplog.at_level(logging.WARNING, logger="camdigit.io.video_writers"):
        save(Synthetic(5, (160, 120)), tmp_path / "a.mp4")
    assert "PyAV could not encode it" in caplog.text
    assert stream_info(tmp_path / "a.mp4")["codec"] == "mpeg4"
    assert len(decode(tmp_path / "a.mp4")[0]) == 5


def test_a_full_disk_is_reported_not_ignored(tmp_path):
    full = tmp_path / "full.mp4"
    full.symlink_to("/dev/full")  # every write fails: no space left on device
    with pytest.raises(OutputError, match="full.mp4"):
        save(Synthetic(30, (320, 240)), full)


@pytest.mark.slow
def test_sigterm_during_a_run_leaves_every_frame_in_a_playable_h264_file(tmp_path):
    source = tmp_path / "long.mp4"
    frames, _ = decode(SAMPLE_VIDEO)
    writer = cv2.VideoWriter(
        str(source), cv2.VideoWriter_fourcc(*"mp4v"), 15.0, (frames[0].shape[1], frames[0].shape[0])
    )
    for image in frames * 5:
        writer.write(image)
    writer.release()
    saved, lines_path = tmp_path / "out.mp4", tmp_path / "out.jsonl"
    returncode, err = interrupt_run(source, saved, lines_path, 40, signal.SIGTERM)
    assert returncode == 143, err
    lines = len(lines_path.read_text().splitlines())
    assert 40 <= lines < len(frames) * 5
    assert stream_info(saved)["codec"] == "h264"
    # each frame read is in the file (the one being drawn when the signal came may not be)
    assert lines - 1 <= len(decode(saved)[0]) <= lines


WRITE_AND_EXIT = """
import sys
import numpy as np
from pathlib import Path
from camdigit.io.pyav_video import PyAVVideo

video = PyAVVideo(Path(sys.argv[1]), 12.0, (160, 120))
for i in range(30):
    video.write(np.full((120, 160, 3), 8 * i, np.uint8))
# no close(): the encoder thread finishes the file when the main thread ends
"""


@pytest.mark.slow
def test_a_video_never_closed_is_still_finished_at_exit(tmp_path):
    target = tmp_path / "unclosed.mp4"
    done = subprocess.run(
        [sys.executable, "-c", WRITE_AND_EXIT, str(target)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert stream_info(target)["codec"] == "h264"
    assert len(decode(target)[0]) == 30
