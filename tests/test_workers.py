"""``camdigit run FOLDER --workers N`` and ``--resume``: the same output as one process."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from benchmarks.run import write_video
from benchmarks.scenes import render_scene, render_video
from camdigit.cli import main
from camdigit.commands import ordered_output, workers
from camdigit.commands.file_reader import FilePart
from camdigit.commands.ordered_output import ArchiveSummary, OrderedOutput
from camdigit.commands.resume import find_resume_point
from camdigit.errors import UsageError

from .conftest import REPO, default_ctrl_c


def make_folder(folder: Path, mnist_1000, video_seconds: float = 1.5) -> Path:
    """A video first (being read while the next files finish: their parts wait in the
    driver), three photos, a file that is not an image, and a second video."""
    folder.mkdir(parents=True)
    video = render_video(*mnist_1000, seed=4, seconds=video_seconds, fps=10.0)
    write_video(folder / "a_clip.mp4", video.frames, video.fps)
    for k in range(3):
        scene = render_scene(*mnist_1000, "ruled", seed=20 + k, size=(640, 480))
        cv2.imwrite(str(folder / f"b{k}.jpg"), scene.image)
    (folder / "c_bad.png").write_text("this is not a png")
    video = render_video(*mnist_1000, seed=5, seconds=1.0, fps=10.0)
    write_video(folder / "d_clip.mp4", video.frames, video.fps)
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory, mnist_1000) -> Path:
    return make_folder(tmp_path_factory.mktemp("archive") / "in", mnist_1000)


@pytest.fixture(scope="module")
def single(folder, tmp_path_factory) -> tuple[bytes, Path]:
    """One process's --json lines (the plain loop) and --save folder."""
    out = tmp_path_factory.mktemp("single")
    code = main(
        [
            "run",
            str(folder),
            "--json",
            str(out / "out.jsonl"),
            "--save",
            str(out / "saved"),
            "--no-show",
            "--quiet",
        ]
    )
    assert code == 1  # the bad file
    return (out / "out.jsonl").read_bytes(), out / "saved"


def frame_count(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    return count


def test_workers_write_the_same_lines_and_files_as_one_process(
    folder, single, tmp_path, caplog, capsys
):
    lines, saved = single
    out = tmp_path / "out.jsonl"
    code = main(
        [
            "run",
            str(folder),
            "--json",
            str(out),
            "--save",
            str(tmp_path / "saved"),
            "--workers",
            "2",
            "--no-show",
        ]
    )
    assert code == 1
    assert out.read_bytes() == lines  # byte for byte, files in listed order
    records = [json.loads(line) for line in lines.splitlines()]
    assert records[0]["source"].endswith("a_clip.mp4") and len(records) == 15 + 3 + 10
    # the bad file: skipped with the same warning, logged once (by the driver)
    assert caplog.text.count("skipping: cannot decode") == 1 and "c_bad.png" in caplog.text
    assert "with 2 workers" in capsys.readouterr().err
    names = sorted(p.name for p in (tmp_path / "saved").iterdir())
    assert names == sorted(p.name for p in saved.iterdir())
    for name in names:
        if name.endswith(".mp4"):
            assert frame_count(tmp_path / "saved" / name) == frame_count(saved / name)


def test_bad_files_among_good_ones_are_skipped_in_listed_order(photo_folder, capsys, caplog):
    """Printed numbers (no output chosen) and warnings come in the listed order."""
    assert main(["run", str(photo_folder), "--no-show", "--quiet"]) == 1
    one = capsys.readouterr().out
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    caplog.clear()
    assert main(["run", str(photo_folder), "--no-show", "--quiet", "--workers", "2"]) == 1
    assert capsys.readouterr().out == one
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == warned
    assert len(warned) == 2 and "b_empty.mp4" in warned[0] and "d_bad.jpg" in warned[1]
    assert [line.split(":")[0] for line in one.splitlines() if not line.startswith(" ")] == [
        str(photo_folder / "a.jpg"),
        str(photo_folder / "c.jpg"),
        str(photo_folder / "e.jpg"),
    ]


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory, mnist_1000) -> Path:
    folder = tmp_path_factory.mktemp("photos")
    for k, name in enumerate(["a.jpg", "c.jpg", "e.jpg"]):
        scene = render_scene(*mnist_1000, "clean", seed=30 + k, size=(480, 360))
        cv2.imwrite(str(folder / name), scene.image)
    (folder / "b_empty.mp4").write_bytes(b"")
    (folder / "d_bad.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    return folder


@pytest.mark.parametrize(
    "cut", ["nothing", "in the first video", "after the first file", "in a photo's line", "all"]
)
def test_resume_after_a_cut_at_any_point_writes_the_unbroken_file(folder, single, tmp_path, cut):
    lines = single[0]
    first_file = sum(len(line) for line in lines.splitlines(keepends=True)[:15])
    offsets = {
        "nothing": 0,
        "in the first video": 5000,
        "after the first file": first_file,
        "in a photo's line": first_file + 3000,
        "all": len(lines),
    }
    out = tmp_path / "out.jsonl"
    out.write_bytes(lines[: offsets[cut]])  # as a killed run leaves it (a line cut short too)
    code = main(["run", str(folder), "--json", str(out), "--resume", "--no-show", "--quiet"])
    assert code == 1  # the bad file is tried again, and reported again
    assert out.read_bytes() == lines


def test_resume_point_of_a_cut_file(tmp_path):
    path = tmp_path / "out.jsonl"
    rows = [
        {"source": s, "frame": f} for s, f in [("a", 0), ("a", 1), ("b", 0), ("c", 0), ("c", 1)]
    ]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    path.write_text(text + '{"source": "c", "fra')
    point = find_resume_point(path)
    assert point.complete == {"a", "b"} and point.redo == "c" and point.kept_lines == 3
    assert path.read_text()[: point.keep_bytes] == "".join(text.splitlines(True)[:3])
    path.write_text(text + text)
    with pytest.raises(UsageError, match="in two places"):
        find_resume_point(path)
    path.write_text("hello\n")
    with pytest.raises(UsageError, match="line 1 .* is not a camdigit run record"):
        find_resume_point(path)


def test_parts_in_any_order_are_written_in_listed_order(monkeypatch):
    """Files finished early wait (past SPOOL_MEMORY in temporary files) and go out in order,
    each file's lines together, its log replayed after them."""
    monkeypatch.setattr(ordered_output, "SPOOL_MEMORY", 10)
    stream = io.StringIO()
    logged: list[str] = []
    record = logging.makeLogRecord(
        {
            "name": "camdigit.test",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "file 2 said",
        }
    )
    output = OrderedOutput(stream, ArchiveSummary())
    handler = logging.Handler()
    handler.emit = lambda r: logged.append(  # type: ignore[method-assign]
        f"{r.getMessage()} after {stream.getvalue().count(chr(10))} lines"
    )
    logging.getLogger("camdigit.test").addHandler(handler)
    try:

        def part(index: int, k: int, done: bool = False) -> FilePart:
            return FilePart(
                index,
                frames=1,
                lines=[f"{index}.{k}\n"],
                done=done,
                records=[record] if done and index == 2 else [],
            )

        for p in [
            part(2, 0),
            part(1, 0),
            part(3, 0, True),
            part(0, 0),
            part(2, 1, True),
            part(1, 1),
            part(0, 1, True),
            part(1, 2, True),
        ]:
            output.add(p)
    finally:
        logging.getLogger("camdigit.test").removeHandler(handler)
    assert stream.getvalue() == "0.0\n0.1\n1.0\n1.1\n1.2\n2.0\n2.1\n3.0\n"
    assert logged == ["file 2 said after 7 lines"]
    assert output.head == 4 and output.summary.frames == 8


def test_flags_are_checked_before_any_work(folder, photo_folder, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["run", str(folder), "--workers", "0"])
    assert "--workers: must be at least 1" in capsys.readouterr().err
    assert workers.parse_workers("auto") == workers.machine_cores() >= 1
    for args, message in [
        (["--resume"], "--resume needs --json FILE"),
        (["--resume", "--json", "-"], "--resume needs --json FILE"),
        (["--workers", "2", "--show"], "--show cannot be used with --workers"),
    ]:
        assert main(["run", str(photo_folder), *args, "--quiet"]) == 2
        assert message in capsys.readouterr().err
    one_file = str(photo_folder / "a.jpg")
    assert main(["run", one_file, "--resume", "--json", str(tmp_path / "x.jsonl")]) == 2
    assert "--resume reads a folder or a glob" in capsys.readouterr().err
    out = tmp_path / "other.jsonl"
    out.write_text(json.dumps({"source": "elsewhere/x.jpg"}) + "\n")
    assert main(["run", str(photo_folder), "--resume", "--json", str(out), "--quiet"]) == 2
    assert "does not list" in capsys.readouterr().err
    assert out.read_text() == json.dumps({"source": "elsewhere/x.jpg"}) + "\n"  # untouched


@pytest.fixture(scope="module")
def long_folder(tmp_path_factory, mnist_1000) -> tuple[Path, bytes]:
    """A folder whose first video is long enough to stop a run in the middle of it, and its
    unbroken output (one process)."""
    root = tmp_path_factory.mktemp("long")
    folder = make_folder(root / "in", mnist_1000, video_seconds=6.0)
    out = root / "out.jsonl"
    assert main(["run", str(folder), "--json", str(out), "--no-show", "--quiet"]) == 1
    return folder, out.read_bytes()


def start_run(folder: Path, out: Path, *flags: str) -> subprocess.Popen:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "camdigit",
            "run",
            str(folder),
            "--json",
            str(out),
            "--quiet",
            "--no-show",
            *flags,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_ctrl_c,
    )


def wait_for_lines(out: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"no {count} lines in {out}: {process.poll()}")


def descendants(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs (workers fork from a fork server)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    found = [int(p) for p in path.read_text().split()] if path.exists() else []
    return found + [d for child in found for d in descendants(child)]


@pytest.mark.slow
def test_resume_after_a_kill_writes_the_unbroken_file(long_folder, tmp_path):
    folder, unbroken = long_folder
    out = tmp_path / "out.jsonl"
    process = start_run(folder, out, "--workers", "2")
    wait_for_lines(out, 10, process)
    process.kill()  # no cleanup at all
    process.communicate(timeout=60)
    assert len(out.read_bytes()) < len(unbroken)
    assert (
        main(
            [
                "run",
                str(folder),
                "--json",
                str(out),
                "--workers",
                "2",
                "--resume",
                "--no-show",
                "--quiet",
            ]
        )
        == 1
    )
    assert out.read_bytes() == unbroken


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc (Linux)")
def test_ctrl_c_stops_every_worker_and_keeps_whole_lines(long_folder, tmp_path):
    folder, unbroken = long_folder
    out = tmp_path / "out.jsonl"
    process = start_run(folder, out, "--workers", "2")
    wait_for_lines(out, 5, process)
    pool = descendants(process.pid)
    assert len(pool) >= 2  # the workers (and the fork server, a resource tracker)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.strip() == "camdigit: interrupted; outputs closed"
    written = out.read_bytes()
    assert written.count(b"\n") >= 5 and written.endswith(b"\n")
    assert unbroken.startswith(written)  # whole lines, the unbroken run's first ones
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in pool) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in pool if Path(f"/proc/{pid}").exists()]


def test_the_scale_benchmark_answers_help(capsys):
    from benchmarks import scale

    with pytest.raises(SystemExit) as stop:
        scale.main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage:") and "--workers" in out and "--many" in out


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc (Linux)")
def test_workers_that_die_stop_the_run_naming_the_file(long_folder, tmp_path):
    folder, unbroken = long_folder
    out = tmp_path / "out.jsonl"
    process = start_run(folder, out, "--workers", "2")
    wait_for_lines(out, 3, process)
    # the workers: the processes that started none (not the fork server, not the tracker)
    pool = [
        pid
        for pid in descendants(process.pid)
        if not descendants(pid)
        and "resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_text()
    ]
    assert len(pool) == 2
    for pid in pool:  # both: the one reading the long first video surely among them
        os.kill(pid, signal.SIGKILL)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2, err
    assert "died (exit code -9) while reading" in err and str(folder) in err
    assert unbroken.startswith(out.read_bytes())  # what was written stays, whole lines


def test_workers_turn_the_frames_as_one_process_does(tmp_path, mnist_1000):
    """--turn reaches the workers: photos from a camera mounted upside down, read by two
    workers with --turn 180, give the lines one process gives, and the upright photos'
    numbers."""
    upright, mounted = tmp_path / "upright", tmp_path / "mounted"
    upright.mkdir()
    mounted.mkdir()
    for k in range(2):
        scene = render_scene(*mnist_1000, "ruled", seed=30 + k, size=(640, 480))
        cv2.imwrite(str(upright / f"p{k}.png"), scene.image)
        cv2.imwrite(str(mounted / f"p{k}.png"), cv2.rotate(scene.image, cv2.ROTATE_180))

    def numbers(folder: Path, out: Path, *flags: str) -> list[list[str]]:
        assert main(["run", str(folder), "--json", str(out), "--no-show", "--quiet", *flags]) == 0
        return [
            sorted(n["text"] for n in json.loads(line)["numbers"])
            for line in out.read_text().splitlines()
        ]

    want = numbers(upright, tmp_path / "upright.jsonl")
    one = numbers(mounted, tmp_path / "one.jsonl", "--turn", "180")
    two = numbers(mounted, tmp_path / "two.jsonl", "--turn", "180", "--workers", "2")
    assert sum(len(n) for n in want) >= 10
    assert one == two == want
    assert numbers(mounted, tmp_path / "as_given.jsonl", "--workers", "2") != want
