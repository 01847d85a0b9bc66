"""Many files at once: ``camdigit run FOLDER`` in one process, with worker processes, on Ray.

    python -m benchmarks.scale                  # 200 stills, 10 videos of 20 s: 1, 2 workers, Ray
    python -m benchmarks.scale --stills 50 --videos 4 --seconds 6 --no-ray --repeat 3
    python -m benchmarks.scale --keep /tmp/archive  # render once, measure again later
    python -m benchmarks.scale --many 3000 --sets none  # driver memory against file count

Renders a folder of scene stills (960x720 JPEG, every still family in turn) and hand-held videos
(640x480, 15 fps) with :mod:`benchmarks.scenes` from MNIST test digits, then runs the real
command on it, each run a fresh process as a user starts it: ``--workers 1`` (the plain loop),
``--workers N`` for each N asked, and ``--ray --workers 2`` (a local Ray runtime of 2 CPUs,
started and stopped by the run). Each set is run on its own: the videos (``*.mp4``), the stills
(``*.jpg``) and the whole folder. Printed per run: wall seconds (interpreter and pool or Ray
start included), files/s, frames/s, speed-up over one process, the driver's peak memory and the
largest worker's (``VmHWM``, read by each process itself), and whether the ``--json`` output is
byte for byte that of one process. With ``--repeat R`` each run is repeated (interleaved with
the others) and the fastest kept: on a shared machine, the least disturbed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2

from benchmarks.run import (
    PEAK_WRAPPER,
    STILL_FAMILIES,
    add_data_option,
    load_digits,
    reported_peaks,
    write_video,
)
from benchmarks.scenes import render_scene, render_video
from camdigit.data.mnist import DataError
from camdigit.machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
STILL_SIZE = (960, 720)
VIDEO_SIZE = (640, 480)
VIDEO_FPS = 15.0


_WORKER_PEAK = re.compile(r"worker (\d+): peak memory ([\d.]+) MB")


@dataclass
class Run:
    """One configuration on one set of files, its fastest repetition."""

    set: str
    config: str
    files: int
    frames: int
    seconds: float
    driver_mb: float | None
    worker_mb: float | None  # the largest worker's peak; None: no worker processes
    sha256: str
    start: float = 0.0  # seconds of the same run on one small photo: starting and stopping

    @property
    def steady_frames_per_s(self) -> float:
        """Frames per second once started: the wall time less the run on one photo."""
        return self.frames / max(self.seconds - self.start, 1e-9)

    @property
    def files_per_s(self) -> float:
        return self.files / self.seconds

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.seconds


def render_archive(
    folder: Path, stills: int, videos: int, seconds: float, data: Path | None, seed: int
) -> str:
    """Write ``stills`` scene photos and ``videos`` videos into ``folder`` (kept if there)."""
    folder.mkdir(parents=True, exist_ok=True)
    have_stills = sorted(folder.glob("*.jpg"))
    have_videos = sorted(folder.glob("*.mp4"))
    if len(have_stills) == stills and len(have_videos) == videos:
        return f"kept {folder}"
    for path in have_stills + have_videos:
        path.unlink()
    images, labels, described = load_digits(data)
    started = time.monotonic()
    for k in range(stills):
        family = STILL_FAMILIES[k % len(STILL_FAMILIES)]
        scene = render_scene(images, labels, family, seed + k, STILL_SIZE)
        cv2.imwrite(
            str(folder / f"still-{k:04d}-{family}.jpg"), scene.image, [cv2.IMWRITE_JPEG_QUALITY, 92]
        )
    for k in range(videos):
        video = render_video(
            images, labels, seed + 1000 + k, size=VIDEO_SIZE, seconds=seconds, fps=VIDEO_FPS
        )
        write_video(folder / f"video-{k:03d}.mp4", video.frames, video.fps)
    return f"rendered from {described} in {time.monotonic() - started:.0f} s"


def run_once(
    target: str, out: Path, flags: list[str]
) -> tuple[float, float | None, float | None, int]:
    """One ``camdigit run``: wall seconds, driver and largest worker peak (MB), lines."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0")
    command = [
        sys.executable,
        "-c",
        PEAK_WRAPPER,
        "-v",
        "run",
        target,
        "--json",
        str(out),
        "--quiet",
        "--no-show",
        *flags,
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"camdigit run {' '.join(flags)} failed: {done.stderr[-1500:]}")
    driver = reported_peaks(done.stderr)
    workers = [float(m.group(2)) for m in _WORKER_PEAK.finditer(done.stderr)]
    return (
        wall,
        driver[-1] if driver else None,
        max(workers) if workers else None,
        out.read_bytes().count(b"\n"),
    )


def measure(
    sets: dict[str, tuple[str, int]],
    configs: dict[str, list[str]],
    repeat: int,
    scratch: Path,
    photo: Path,
) -> list[Run]:
    """Every config on every set, ``repeat`` times interleaved; the fastest of each kept. Each
    config's start cost is its fastest run on a folder holding only ``photo``."""
    best: dict[tuple[str, str], Run] = {}
    starts: dict[str, float] = {}
    one = scratch / "one-photo"
    one.mkdir(exist_ok=True)
    shutil.copy(photo, one / photo.name)
    for _ in range(repeat):
        for config, flags in configs.items():
            wall = run_once(str(one), scratch / "one-photo.jsonl", flags)[0]
            starts[config] = min(wall, starts.get(config, wall))
            print(f"  start   {config:<16} {wall:7.2f} s", file=sys.stderr, flush=True)
        for set_name, (target, files) in sets.items():
            for config, flags in configs.items():
                out = scratch / f"{set_name}-{re.sub(r'[^a-z0-9]+', '-', config)}.jsonl"
                wall, driver, worker, frames = run_once(target, out, flags)
                digest = hashlib.sha256(out.read_bytes()).hexdigest()
                run = Run(set_name, config, files, frames, wall, driver, worker, digest)
                key = (set_name, config)
                if key not in best or wall < best[key].seconds:
                    best[key] = run
                print(f"  {set_name:<7} {config:<16} {wall:7.2f} s", file=sys.stderr, flush=True)
    for run in best.values():
        run.start = starts[run.config]
    return list(best.values())


def print_runs(runs: list[Run]) -> None:
    """The table; 'start' is the run on one photo, and the last speed-up leaves it out."""
    print(
        f"\n{'set':<8}{'run':<16}{'files':>6}{'frames':>7}{'seconds':>9}{'start':>7}"
        f"{'files/s':>9}{'frames/s':>10}{'speed-up':>10}{'w/o start':>11}{'driver MB':>11}"
        f"{'worker MB':>11}  output"
    )
    for set_name in dict.fromkeys(r.set for r in runs):
        rows = [r for r in runs if r.set == set_name]
        base = rows[0]
        for r in rows:
            same = "same" if r.sha256 == base.sha256 else "DIFFERENT"
            print(
                f"{r.set:<8}{r.config:<16}{r.files:>6}{r.frames:>7}{r.seconds:>9.2f}"
                f"{r.start:>7.2f}{r.files_per_s:>9.2f}{r.frames_per_s:>10.1f}"
                f"{r.frames_per_s / base.frames_per_s:>9.2f}x"
                f"{r.steady_frames_per_s / base.steady_frames_per_s:>10.2f}x"
                f"{_mb(r.driver_mb):>11}{_mb(r.worker_mb):>11}  {same}"
            )


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _one_photo(scratch: Path) -> Path:
    """A small photo of one digit (a folder of videos only has none to time starting with)."""
    images, _, _ = load_digits(None)
    path = scratch / "digit.png"
    cv2.imwrite(str(path), cv2.resize(255 - images[0], (112, 112), interpolation=cv2.INTER_CUBIC))
    return path


def driver_memory(counts: list[int], scratch: Path, workers: int) -> list[dict]:
    """The driver's peak memory reading folders of ``counts`` small photos (one digit each)."""
    photo = _one_photo(scratch)
    rows = []
    for count in counts:
        folder = scratch / f"many-{count}"
        folder.mkdir()
        shutil.copy(photo, folder / "0.png")
        for k in range(1, count):
            os.link(folder / "0.png", folder / f"{k}.png")
        wall, driver, worker, lines = run_once(
            str(folder), scratch / f"many-{count}.jsonl", ["--workers", str(workers)]
        )
        rows.append(
            {
                "files": count,
                "seconds": round(wall, 2),
                "driver_mb": driver,
                "worker_mb": worker,
                "lines": lines,
            }
        )
        print(
            f"{count:>7} files: {wall:6.1f} s, driver {_mb(driver)} MB, largest worker "
            f"{_mb(worker)} MB"
        )
        shutil.rmtree(folder)
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    add_data_option(parser)
    parser.add_argument("--stills", type=int, default=200, help="scene stills (960x720)")
    parser.add_argument("--videos", type=int, default=10, help="hand-held videos (640x480)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each video")
    parser.add_argument(
        "--workers", default="2", help="worker counts to run besides 1, comma-separated"
    )
    parser.add_argument("--no-ray", action="store_true", help="skip the local Ray runtime")
    parser.add_argument(
        "--sets",
        default="videos,stills,all",
        help="what to run: videos, stills, all (the whole folder), or none",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each configuration; the fastest is kept"
    )
    parser.add_argument(
        "--many",
        type=int,
        default=0,
        help="also measure the driver's memory on folders of N/10 and N small photos (0: not)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="render into this folder and keep it (reused when it holds the same counts)",
    )
    parser.add_argument("--seed", type=int, default=2026, help="scene seed")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if min(args.stills, args.videos) < 0 or args.seconds <= 0 or args.repeat < 1:
        parser.error("--stills and --videos must be 0 or more, --seconds and --repeat positive")
    try:
        args.workers = sorted({int(n) for n in args.workers.split(",") if n.strip()} - {1})
    except ValueError:
        parser.error(f"--workers: give counts like 2,4, not {args.workers!r}")
    args.sets = [] if args.sets == "none" else [s.strip() for s in args.sets.split(",")]
    if not set(args.sets) <= {"videos", "stills", "all"}:
        parser.error(f"--sets: videos, stills, all or none, not {','.join(args.sets)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configs = {"1 process": ["--workers", "1"]}
    configs.update({f"{n} workers": ["--workers", str(n)] for n in args.workers})
    if not args.no_ray:
        from camdigit.commands.cluster import ray_missing

        missing = ray_missing()
        if missing:
            print(f"scale: no Ray run: {missing}", file=sys.stderr)
        else:
            configs["Ray, local (2)"] = ["--ray", "--workers", "2"]
    figures: dict = {
        "machine": describe_machine(),
        "load": os.getloadavg(),
        "command": " ".join(
            ["python -m benchmarks.scale", *(sys.argv[1:] if argv is None else argv)]
        ),
    }
    print(f"machine: {figures['machine']}; load average {figures['load'][0]:.2f} at start")
    with tempfile.TemporaryDirectory(prefix="camdigit-scale-") as tmp:
        scratch = Path(tmp)
        folder = args.keep or scratch / "archive"
        if args.sets:
            try:
                how = render_archive(
                    folder, args.stills, args.videos, args.seconds, args.data, args.seed
                )
            except DataError as exc:
                print(f"scale: error: {exc}", file=sys.stderr)
                return 2
            print(
                f"folder: {args.stills} stills {STILL_SIZE[0]}x{STILL_SIZE[1]}, {args.videos} "
                f"videos {VIDEO_SIZE[0]}x{VIDEO_SIZE[1]} of {args.seconds:g} s at "
                f"{VIDEO_FPS:g} fps ({how})"
            )
            sets = {
                "videos": (str(folder / "*.mp4"), args.videos),
                "stills": (str(folder / "*.jpg"), args.stills),
                "all": (str(folder), args.stills + args.videos),
            }
            sets = {name: sets[name] for name in args.sets if sets[name][1] > 0}
            photo = min(folder.glob("*.jpg"), default=None) or _one_photo(scratch)
            runs = measure(sets, configs, args.repeat, scratch, photo)
            print_runs(runs)
            figures["runs"] = [
                asdict(r)
                | {
                    "files_per_s": round(r.files_per_s, 3),
                    "frames_per_s": round(r.frames_per_s, 2),
                    "steady_frames_per_s": round(r.steady_frames_per_s, 2),
                }
                for r in runs
            ]
            same = all(r.sha256 == next(b for b in runs if b.set == r.set).sha256 for r in runs)
            print(
                f"\n--json output byte for byte the same in every run of a set: "
                f"{'yes' if same else 'NO'}"
            )
            figures["identical"] = same
        if args.many:
            print(f"\ndriver memory against file count ({max(args.workers, default=2)} workers):")
            figures["many"] = driver_memory(
                [max(1, args.many // 10), args.many], scratch, max(args.workers, default=2)
            )
    figures["load_after"] = os.getloadavg()
    print(f"load average {figures['load_after'][0]:.2f} at the end")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures.get("identical", True) else 1


if __name__ == "__main__":
    sys.exit(main())
