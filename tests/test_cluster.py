"""``camdigit run FOLDER --ray``: files as Ray tasks on a local runtime, the same output."""

from __future__ import annotations

import cv2
import pytest

from benchmarks.run import write_video
from benchmarks.scenes import render_scene, render_video
from camdigit.cli import main
from camdigit.commands.cluster import ray_missing

from .conftest import run_python

if ray_missing():
    pytest.skip(f"the --ray path cannot run here: {ray_missing()}", allow_module_level=True)


@pytest.mark.slow
def test_ray_on_a_local_runtime_writes_the_same_lines_as_one_process(tmp_path, mnist_1000):
    folder = tmp_path / "in"
    folder.mkdir()
    video = render_video(*mnist_1000, seed=4, seconds=1.0, fps=10.0)
    write_video(folder / "a_clip.mp4", video.frames, video.fps)
    for k in range(2):
        scene = render_scene(*mnist_1000, "ruled", seed=40 + k, size=(640, 480))
        cv2.imwrite(str(folder / f"b{k}.jpg"), scene.image)
    (folder / "c_bad.png").write_text("this is not a png")
    one, ray = tmp_path / "one.jsonl", tmp_path / "ray.jsonl"
    assert main(["run", str(folder), "--json", str(one), "--no-show", "--quiet"]) == 1
    # a fresh process, as a user runs it: a local runtime of 2 CPUs, stopped at the end
    result = run_python(
        "-m",
        "camdigit",
        "run",
        str(folder),
        "--json",
        str(ray),
        "--ray",
        "--workers",
        "2",
        "--no-show",
        timeout=600,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert ray.read_bytes() == one.read_bytes()
    assert "Traceback" not in result.stderr
    assert "skipping: cannot decode" in result.stderr and "c_bad.png" in result.stderr
    assert "on Ray" in result.stderr.splitlines()[-1]
