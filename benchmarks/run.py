"""The measuring stick: accuracy and speed of the real pipeline on camera-like scenes.

    python -m benchmarks.run                       # the full set (a few minutes on 2 cores)
    python -m benchmarks.run --json bench.json --errors gallery/
    python -m benchmarks.run --check               # the CI guard: small set, fails on regression

Scenes are MNIST *test* digits rendered by :mod:`benchmarks.scenes` (pages, inks, lines, light,
desks, perspective, blur, noise, JPEG; still photos per family and hand-held videos), with
ground truth. Every figure goes through the code ``camdigit run`` uses: :class:`Recognizer`
inside :func:`camdigit.runner.run`, fed by a frame source. Speed runs read real video files
(decoding included) and draw every frame, with 1 and 2 threads.

Accuracy figures: recall (found / on the page), precision (right place / reported), label
accuracy (right digit / found), read accuracy (read right / on the page), false digits per image,
and number accuracy (numbers read exactly, text and box). Baselines in the same run: the float32
TFLite model in place of the int8 one, and, when TensorFlow is installed, the seed's way (the
float Keras model, one ``predict`` call per crop).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from benchmarks.matching import Score, score_frame
from benchmarks.scenes import FAMILIES, Truth, render_video, scene_set
from camdigit.classifier import DigitClassifier
from camdigit.detections import FrameResult
from camdigit.machine import describe_machine
from camdigit.mnist import DEFAULT_DATA_DIR, DataError, load_mnist
from camdigit.pipeline import Recognizer
from camdigit.runner import run
from camdigit.sources import Frame, FrameSource, open_source
from camdigit.tracking import DigitTracker

log = logging.getLogger("benchmarks.run")

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
FIXTURE = REPO / "tests" / "fixtures" / "mnist_test_1000.npz"
STILL_FAMILIES = [name for name in FAMILIES if name != "video"]
STAGES = ("decode", "find", "preprocess", "classify", "track", "draw")

CHECK_READ_ACCURACY = 0.97
CHECK_FALSE_PER_IMAGE = 0.5


class ArraySource(FrameSource):
    """Frames held in memory as a source (each yielded as a copy: drawing changes it)."""

    def __init__(self, frames: list[np.ndarray], name: str, fps: float = 15.0,
                 still: bool = False) -> None:
        super().__init__()
        self.frames = frames
        self.name = name
        self.fps = fps
        self.total = len(frames)
        self.still = still

    def __iter__(self) -> Iterator[Frame]:
        for index, image in enumerate(self.frames):
            yield Frame(image.copy(), index, index / self.fps, self.name, still=self.still)


@dataclass
class Collected:
    """What one run produced, frame by frame."""

    results: list[FrameResult]

    def __call__(self, result: FrameResult) -> None:
        self.results.append(result)


def load_digits(data: Path | None) -> tuple[np.ndarray, np.ndarray, str]:
    """MNIST test digits: the full set from IDX files, else the 1,000 of the test fixture."""
    if data is not None:
        test = load_mnist(data, "test")
        return test.images, test.labels, f"MNIST test set, {len(test)} digits ({data})"
    with np.load(FIXTURE) as fixture:
        return fixture["images"], fixture["labels"], "1,000 MNIST test digits (tests/fixtures)"


def score_results(results: list[FrameResult], truths: list[Truth]) -> Score:
    total = Score()
    for result, truth in zip(results, truths, strict=True):
        total.add(score_frame(result.detections, result.numbers, truth.boxes, truth.labels,
                              truth.partial, truth.numbers, frame=result.frame))
    return total


def still_accuracy(
    recognizer: Recognizer, images: np.ndarray, labels: np.ndarray, families: list[str],
    per_family: int, seed: int, size: tuple[int, int], gallery: Path | None,
) -> dict[str, Score]:
    """Score per still family: each scene is one photo through the run loop."""
    scores = {}
    for family in families:
        score = Score()
        for scene in scene_set(images, labels, [family], per_family, seed, size):
            collected = Collected([])
            name = f"{family}-{scene.seed}"
            run(ArraySource([scene.image], name, still=True), recognizer, on_result=collected)
            frame_score = score_results(collected.results, [scene.truth])
            score.add(frame_score)
            if gallery is not None:
                save_errors(gallery, name, [scene.image], frame_score)
        scores[family] = score
    return scores


def video_accuracy(
    recognizer: Recognizer, images: np.ndarray, labels: np.ndarray, count: int, seed: int,
    size: tuple[int, int], seconds: float, gallery: Path | None,
) -> Score:
    """Score over hand-held videos, tracked as a camera would be."""
    score = Score()
    for k in range(count):
        video = render_video(images, labels, seed + k, size=size, seconds=seconds)
        collected = Collected([])
        name = f"video-{seed + k}"
        run(ArraySource(video.frames, name, video.fps), recognizer, on_result=collected)
        video_score = score_results(collected.results, video.truths)
        score.add(video_score)
        if gallery is not None:
            save_errors(gallery, name, video.frames, video_score)
    return score


def save_errors(folder: Path, name: str, frames: list[np.ndarray], score: Score) -> None:
    """Crops of missed, wrong and false digits, truth and reading in the file name."""
    folder.mkdir(parents=True, exist_ok=True)
    for n, (kind, frame, truth, read, box) in enumerate(score.errors):
        x, y, w, h = box
        image = frames[frame]
        pad = max(4, h // 3)
        crop = image[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad]
        truth_text = "-" if truth < 0 else str(truth)
        read_text = "-" if read < 0 else str(read)
        cv2.imwrite(str(folder / f"{kind}-{name}-f{frame}-truth{truth_text}-read{read_text}-{n}"
                                 f".png"), crop)


def write_video(path: Path, frames: list[np.ndarray], fps: float) -> None:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    try:
        for frame in frames:
            writer.write(frame)
    finally:
        writer.release()


def time_video(path: Path, model: Path, threads: int, track: bool) -> dict:
    """Median ms per stage over a video file, read, found, classified, tracked and drawn."""
    cv2.setNumThreads(threads)
    recognizer = Recognizer(DigitClassifier(model, threads=threads),
                            tracker=DigitTracker() if track else None)
    collected = Collected([])
    run(open_source(str(path)), recognizer, on_result=collected, annotate=True)  # warm-up
    collected.results.clear()
    started = time.perf_counter()
    summary = run(open_source(str(path)), recognizer, on_result=collected, annotate=True)
    wall = time.perf_counter() - started
    results = collected.results[3:]  # the first frames classify every digit: not steady state
    stages = {s: statistics.mean(r.timings.get(s, 0.0) for r in results) for s in STAGES}
    return {
        "threads": threads,
        "tracking": track,
        "frames": summary.frames,
        "digits_per_frame": round(statistics.mean(len(r.detections) for r in results), 1),
        "classified_per_frame": round(statistics.mean(r.classified for r in results), 1),
        "ms": {s: round(v, 3) for s, v in stages.items()},
        "ms_per_frame": round(sum(stages.values()), 3),
        "fps": round(summary.frames / wall, 1),
    }


_PEAK_WRAPPER = """
import atexit, runpy, sys

def report():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write("PEAK_KB " + line.split()[1] + chr(10))

atexit.register(report)
sys.argv = ["camdigit", *sys.argv[1:]]
runpy.run_module("camdigit", run_name="__main__")
"""


def peak_rss_of_run(video: Path, out: Path) -> float:
    """Peak resident memory (MB) of a ``camdigit run`` process saving video and JSON Lines.

    Read by the process itself at exit (``VmHWM``, reset by exec), so the memory of this
    benchmark, which the child shares until it execs, is not counted.
    """
    command = [sys.executable, "-c", _PEAK_WRAPPER, "run", str(video), "--save",
               str(out / "annotated.mp4"), "--json", str(out / "out.jsonl"), "--quiet",
               "--no-show"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    peak = [line for line in done.stderr.splitlines() if line.startswith("PEAK_KB ")]
    if done.returncode != 0 or not peak:
        raise RuntimeError(f"camdigit run failed: {done.stderr[-500:]}")
    return int(peak[-1].split()[1]) / 1024.0


class KerasPerCrop:
    """The seed's way of classifying: the float Keras model, one ``predict`` call per crop."""

    def __init__(self, path: Path) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import keras

        self.model = keras.models.load_model(path)

    def classify(self, crops: np.ndarray):
        from camdigit.classifier import Classification

        probabilities = np.zeros((len(crops), 10), np.float32)
        for i, crop in enumerate(crops):
            batch = crop[None, :, :, None].astype(np.float32)
            probabilities[i] = self.model.predict(batch, verbose=0)[0]
        return Classification.from_probabilities(probabilities)


def tensorflow_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("tensorflow") is not None


def print_scores(scores: dict[str, Score], title: str) -> Score:
    print(f"\n{title}")
    print(f"{'family':<13}{'digits':>7}{'recall':>9}{'precision':>11}{'label':>8}{'read':>8}"
          f"{'false/img':>11}{'numbers':>9}")
    total = Score()
    for family, score in scores.items():
        total.add(score)
        _print_score_row(family, score)
    _print_score_row("overall", total)
    return total


def _print_score_row(name: str, s: Score) -> None:
    print(f"{name:<13}{s.truth:>7}{s.recall * 100:>8.2f}%{s.precision * 100:>10.2f}%"
          f"{s.label_accuracy * 100:>7.2f}%{s.read_accuracy * 100:>7.2f}%"
          f"{s.false_per_image:>11.2f}{s.number_accuracy * 100:>8.1f}%")


def print_speed(rows: list[dict]) -> None:
    print(f"\n{'scene':<30}{'thr':>4}{'digits':>7}{'read':>6}"
          + "".join(f"{s:>9}" for s in STAGES) + f"{'total ms':>10}{'FPS':>7}")
    for row in rows:
        print(f"{row['scene']:<30}{row['threads']:>4}{row['digits_per_frame']:>7.1f}"
              f"{row['classified_per_frame']:>6.1f}"
              + "".join(f"{row['ms'][s]:>9.2f}" for s in STAGES)
              + f"{row['ms_per_frame']:>10.2f}{row['fps']:>7.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data", type=Path,
                        default=DEFAULT_DATA_DIR if DEFAULT_DATA_DIR.is_dir() else None,
                        help="MNIST IDX folder (default ../shared/data/mnist, else the 1,000 "
                        "test digits of the test fixture)")
    parser.add_argument("--model", type=Path, default=MODELS / "digits_int8.tflite")
    parser.add_argument("--scenes", type=int, default=10, help="still scenes per family")
    parser.add_argument("--videos", type=int, default=5, help="hand-held videos (3 s each)")
    parser.add_argument("--seed", type=int, default=2026, help="scene seed")
    parser.add_argument("--no-speed", action="store_true", help="accuracy only")
    parser.add_argument("--no-baselines", action="store_true",
                        help="skip the float32 and Keras baselines")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--errors", type=Path,
                        help="save crops of missed, wrong and false digits in this folder")
    parser.add_argument("--check", action="store_true",
                        help=f"CI guard: one scene per family and one video from the test "
                        f"fixture; exit 1 if read accuracy < {CHECK_READ_ACCURACY:.0%} or more "
                        f"than {CHECK_FALSE_PER_IMAGE} false digits per image")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    if args.check:
        args.data, args.scenes, args.videos = None, 1, 1
        args.no_speed = args.no_baselines = True
    try:
        images, labels, digits_source = load_digits(args.data)
    except DataError as exc:
        print(f"benchmark: error: {exc}", file=sys.stderr)
        return 2
    cv2.setNumThreads(1)
    machine = describe_machine()
    print(f"machine: {machine}")
    print(f"digits: {digits_source}; scenes: {args.scenes} per family, seed {args.seed}; "
          f"model: {args.model.name}")
    figures: dict = {"machine": machine, "digits": digits_source, "seed": args.seed,
                     "model": args.model.name, "command": " ".join(["python -m benchmarks.run",
                                                                     *(argv or sys.argv[1:])])}

    started = time.monotonic()
    int8 = DigitClassifier(args.model, threads=1)
    stills = still_accuracy(Recognizer(int8), images, labels, STILL_FAMILIES, args.scenes,
                            args.seed, (960, 720), args.errors)
    still_total = print_scores(stills, "Still photos, 960x720 (one frame each)")
    videos = video_accuracy(Recognizer(int8, tracker=DigitTracker()), images, labels,
                            args.videos, args.seed, (640, 480), 3.0, args.errors)
    print_scores({"video": videos}, "Hand-held videos, 640x480, 15 FPS, tracked")
    overall = Score()
    overall.add(still_total)
    overall.add(videos)
    print(f"\noverall: read accuracy {overall.read_accuracy * 100:.2f}%, precision "
          f"{overall.precision * 100:.2f}%, {overall.false_per_image:.2f} false digits per "
          f"image, numbers {overall.number_accuracy * 100:.1f}% "
          f"({overall.truth} digits, {overall.frames} images; {time.monotonic() - started:.0f} s)")
    figures["accuracy"] = {
        "stills": {family: s.as_dict() for family, s in stills.items()},
        "stills_overall": still_total.as_dict(),
        "videos": videos.as_dict(),
        "overall": overall.as_dict(),
    }

    if not args.no_baselines:
        figures["baselines"] = run_baselines(images, labels, args, still_total)
    if not args.no_speed:
        figures["speed"], figures["peak_rss_mb"] = run_speed(images, labels, args)

    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    if args.check:
        ok = (overall.read_accuracy >= CHECK_READ_ACCURACY
              and overall.false_per_image <= CHECK_FALSE_PER_IMAGE)
        verdict = "passed" if ok else "FAILED"
        print(f"\nguard {verdict}: read accuracy {overall.read_accuracy * 100:.2f}% (at least "
              f"{CHECK_READ_ACCURACY * 100:.0f}%), {overall.false_per_image:.2f} false digits "
              f"per image (at most {CHECK_FALSE_PER_IMAGE})")
        return 0 if ok else 1
    return 0


def run_baselines(images: np.ndarray, labels: np.ndarray, args: argparse.Namespace,
                  int8_total: Score) -> dict:
    """The same still scenes read by other classifiers: float32 TFLite, and the seed's way."""
    results: dict = {}
    families = STILL_FAMILIES
    rows = {"int8 TFLite (shipped)": int8_total}
    float32 = MODELS / "digits_float32.tflite"
    if float32.is_file():
        scores = still_accuracy(Recognizer(DigitClassifier(float32)), images, labels, families,
                                args.scenes, args.seed, (960, 720), None)
        total = Score()
        for s in scores.values():
            total.add(s)
        rows["float32 TFLite"] = total
    keras_model = MODELS / "digits.keras"
    if tensorflow_available() and keras_model.is_file():
        # One predict call per crop costs tens of ms: two scenes per family are enough.
        scores = still_accuracy(Recognizer(KerasPerCrop(keras_model)), images, labels, families,
                                min(2, args.scenes), args.seed, (960, 720), None)
        total = Score()
        for s in scores.values():
            total.add(s)
        rows["Keras float, predict per crop"] = total
    print("\nBaselines: the still photos read by other classifiers")
    for name, score in rows.items():
        _print_score_row(name[:12], score)
        results[name] = score.as_dict()
    return results


def run_speed(images: np.ndarray, labels: np.ndarray, args: argparse.Namespace
              ) -> tuple[list[dict], float]:
    """Time the pipeline on two video files: 960x720 with ~60 digits, 640x480 with ~10."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenes = [("960x720, ~60 digits", (960, 720), 70), ("640x480, ~10 digits", (640, 480),
                                                             12)]
        paths = []
        for name, size, digits in scenes:
            video = render_video(images, labels, args.seed + 100, size=size, seconds=4.0,
                                 digits=digits)
            path = folder / f"{size[0]}x{size[1]}.mp4"
            write_video(path, video.frames, video.fps)
            paths.append((name, path))
        for name, path in paths:
            for track in (False, True):
                for threads in (1, 2):
                    row = time_video(path, args.model, threads, track)
                    row["scene"] = f"{name}, {'tracked' if track else 'read all'}"
                    rows.append(row)
        print("\nSpeed: mean ms per frame by stage over a 4 s video file (decode included, every "
              "frame drawn; 'read' = crops classified per frame)")
        print_speed(rows)
        peak = peak_rss_of_run(paths[0][1], folder)
        print(f"\npeak memory of 'camdigit run' on the 960x720 video, saving video and JSON "
              f"Lines: {peak:.0f} MB")
    cv2.setNumThreads(1)
    return rows, round(peak, 1)


if __name__ == "__main__":
    sys.exit(main())
