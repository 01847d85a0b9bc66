"""The measuring stick: accuracy and speed of the real pipeline, family by family.

    python -m benchmarks.run                       # the full set (several minutes on 2 cores)
    python -m benchmarks.run --json bench.json --errors gallery/
    python -m benchmarks.run --check               # the CI guard: small set, fails on regression
    python -m benchmarks.run --check --write-baseline   # record the guard's figures

Scenes are MNIST *test* digits rendered by :mod:`benchmarks.scenes` with exact ground truth, one
family per situation (pages, inks, light, close-ups, thin pens, markers, strips, touching digits,
close rows, spacing, clutter, textured grounds, deep shadows, rotation, ...). Every figure goes
through the code ``camdigit run`` uses: :class:`Recognizer` inside :func:`camdigit.io.runner.run`,
fed by a frame source. Figures are kept apart, never blended into one headline:

- stills (one photo each), per family: recall, precision, label accuracy (right digit / found),
  read accuracy (read right / on the page), false digits per image, numbers read exactly, and
  grouping (numbers read exactly among those whose every digit was read right);
- videos (hand-held, tracked), per family: each distinct digit once (read when the track covering
  it is right in 90% of the frames it is whole on screen), and every frame scored alone;
- real photos (``photos-dev`` in the data folder, when there): digits and numbers as multisets.

Baselines in the same run: the float32 TFLite model in place of the int8 one, and, when
TensorFlow is installed, the seed's way (the float Keras model, one ``predict`` call per crop).
Speed runs read real video files (decoding included) and draw every frame, with 1 and 2 threads.
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
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from benchmarks import baseline
from benchmarks.frames import ArraySource, Collected, read_still
from benchmarks.gallery import ErrorGallery
from benchmarks.matching import PhotoScore, Score, VideoDigits, score_frame, score_video_digits
from benchmarks.photo_variants import hand_directions, moving
from benchmarks.photos import PhotoResult, default_photos, read_photos
from benchmarks.scenes import FAMILIES, VIDEO_FAMILIES, Truth, family_seeds, render_video, scene_set
from camdigit.core.classifier import DigitClassifier
from camdigit.core.detections import FrameResult
from camdigit.core.pipeline import DEFAULT_MIN_DIGIT, Recognizer
from camdigit.core.tracking import DigitTracker
from camdigit.data.mnist import DEFAULT_DATA_DIR, DataError, load_mnist
from camdigit.io.drawing import Annotator
from camdigit.io.runner import run
from camdigit.io.sources import open_source
from camdigit.machine import describe_machine

log = logging.getLogger("benchmarks.run")

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
FIXTURE = REPO / "tests" / "fixtures" / "mnist_test_1000.npz"
STILL_FAMILIES = [name for name in FAMILIES if name != "video"]
STAGES = ("decode", "find", "preprocess", "classify", "track", "draw")

CHECK_SCENES = 2
"""Still scenes per family in the CI guard's set."""
CHECK_VIDEO_FAMILIES = ["video"]
"""Video families of the CI guard's set, one video each."""
STILL_SIZE = (960, 720)
"""Frame size of still scenes (families that draw their own frame sizes override it)."""
VIDEO_SIZE = (640, 480)
VIDEO_SECONDS = 3.0


def load_digits(data: Path | None) -> tuple[np.ndarray, np.ndarray, str]:
    """MNIST test digits: the full set from IDX files, else the 1,000 of the test fixture."""
    if data is not None:
        test = load_mnist(data, "test")
        return test.images, test.labels, f"MNIST test set, {len(test)} digits ({data})"
    with np.load(FIXTURE) as fixture:
        return fixture["images"], fixture["labels"], "1,000 MNIST test digits (tests/fixtures)"


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """``--data``: the folder of the MNIST test digits :func:`load_digits` reads."""
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR if DEFAULT_DATA_DIR.is_dir() else None,
        help="MNIST IDX folder (default: mnist in $CAMDIGIT_DATA or "
        "../shared/data, when there, else the 1,000 test digits of the test "
        "fixture)",
    )


def score_results(results: list[FrameResult], truths: list[Truth]) -> Score:
    total = Score()
    for result, truth in zip(results, truths, strict=True):
        total.add(
            score_frame(
                result.detections,
                result.numbers,
                truth.boxes,
                truth.labels,
                truth.partial,
                truth.numbers,
                frame=result.frame,
            )
        )
    return total


def still_accuracy(
    recognizer: Recognizer,
    images: np.ndarray,
    labels: np.ndarray,
    families: list[str],
    per_family: int,
    seed: int,
    size: tuple[int, int],
    gallery: ErrorGallery | None,
) -> dict[str, Score]:
    """Score per still family: each scene is one photo through the run loop."""
    scores = {}
    for family in families:
        score = Score()
        for scene in scene_set(images, labels, [family], per_family, seed, size):
            name = f"{family}-{scene.seed}"
            result = read_still(recognizer, scene.image, name)
            frame_score = score_results([result], [scene.truth])
            score.add(frame_score)
            if gallery is not None:
                gallery.add(f"stills: {family}", name, [scene.image], frame_score.errors)
        scores[family] = score
    return scores


@dataclass
class VideoFigures:
    """One video family: frames scored one by one, and each distinct digit once."""

    videos: int
    frames: Score
    digits: VideoDigits

    def as_dict(self) -> dict:
        return {
            "videos": self.videos,
            "frames": self.frames.as_dict(),
            "distinct": self.digits.as_dict(),
        }


def video_accuracy(
    recognizer: Recognizer,
    images: np.ndarray,
    labels: np.ndarray,
    families: list[str],
    count: int,
    seed: int,
    size: tuple[int, int],
    seconds: float,
    gallery: ErrorGallery | None,
    smear: int = 0,
) -> dict[str, VideoFigures]:
    """Score hand-held videos of each family, tracked as a camera would be; with ``smear``,
    each frame smeared that many pixels along the direction of a hand's motion, turning a few
    degrees a frame (a camera moving while its shutter is open), a sensor's noise added after
    it (:mod:`benchmarks.photo_variants`: ``moving``, ``hand_directions``)."""
    figures = {}
    for family in families:
        frames, digits = Score(), VideoDigits()
        for video_seed in family_seeds(family, count, seed):
            video = render_video(
                images, labels, video_seed, size=size, seconds=seconds, family=family
            )
            if smear > 1:
                angles = hand_directions(video_seed, len(video.frames))
                smeared = [
                    moving(smear, a, seed=video_seed + k)(f)
                    for k, (f, a) in enumerate(zip(video.frames, angles, strict=True))
                ]
                video = replace(video, frames=smeared)
            collected = Collected([])
            name = f"{family}-video-{video_seed}"
            run(ArraySource(video.frames, name, video.fps), recognizer, on_result=collected)
            frame_score = score_results(collected.results, video.truths)
            digit_score = score_video_digits(
                [r.detections for r in collected.results],
                [t.boxes for t in video.truths],
                [t.labels for t in video.truths],
                [t.partial for t in video.truths],
                [t.sources for t in video.truths],
            )
            frames.add(frame_score)
            digits.add(digit_score)
            if gallery is not None:
                gallery.add(
                    f"videos: {family}",
                    name,
                    video.frames,
                    digit_score.errors
                    + [e for e in frame_score.errors if e.kind in ("false", "number")],
                )
        figures[family] = VideoFigures(count, frames, digits)
    return figures


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
    recognizer = Recognizer(
        DigitClassifier(model, threads=threads), tracker=DigitTracker() if track else None
    )
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


PEAK_WRAPPER = """
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


def reported_peaks(stderr: str) -> list[float]:
    """The peak memories (MB) that processes run through :data:`PEAK_WRAPPER` reported."""
    return [
        int(line.split()[1]) / 1024.0 for line in stderr.splitlines() if line.startswith("PEAK_KB ")
    ]


def peak_rss_of_run(video: Path, out: Path, save: str | None = "annotated.mp4") -> float:
    """Peak resident memory (MB) of a ``camdigit run`` process writing JSON Lines and, unless
    ``save`` is None, the annotated video under that name (its suffix picks the writer).

    Read by the process itself at exit (``VmHWM``, reset by exec), so the memory of this
    benchmark, which the child shares until it execs, is not counted.
    """
    saving = ["--save", str(out / save), "--overwrite"] if save else []
    command = [
        sys.executable,
        "-c",
        PEAK_WRAPPER,
        "run",
        str(video),
        *saving,
        "--json",
        str(out / "out.jsonl"),
        "--overwrite",
        "--quiet",
        "--no-show",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    peak = reported_peaks(done.stderr)
    if done.returncode != 0 or not peak:
        raise RuntimeError(f"camdigit run failed: {done.stderr[-500:]}")
    return peak[-1]


class KerasPerCrop:
    """The seed's way of classifying: the float Keras model, one ``predict`` call per crop."""

    def __init__(self, path: Path) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
        import warnings

        import keras

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "skipping variable loading for optimizer"
            self.model = keras.models.load_model(path, compile=False)

    def classify(self, crops: np.ndarray):
        from camdigit.core.classifier import Classification

        scores = np.concatenate(
            [
                self.model.predict(crop[None, :, :, None].astype(np.float32), verbose=0)
                for crop in crops
            ]
        )
        if scores.shape[1] > 10:  # camdigit's 11-class models end in logits
            return Classification.from_logits(scores)
        return Classification.from_probabilities(scores)


def tensorflow_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("tensorflow") is not None


def print_stills(scores: dict[str, Score]) -> None:
    print("\nStill photos (one frame each; 960x720 unless the family draws its own size)")
    print(
        f"{'family':<13}{'images':>7}{'digits':>7}{'recall':>9}{'precision':>11}{'label':>8}"
        f"{'read':>8}{'false/img':>11}{'numbers':>9}{'grouping':>10}"
    )
    total = Score()
    for family, score in scores.items():
        total.add(score)
        _print_score_row(family, score)
    if len(scores) > 1:
        print("-" * 93)
        _print_score_row("(all stills)", total)


def _print_score_row(name: str, s: Score) -> None:
    print(
        f"{name:<13}{s.frames:>7}{s.truth:>7}{s.recall * 100:>8.2f}%{s.precision * 100:>10.2f}%"
        f"{s.label_accuracy * 100:>7.2f}%{s.read_accuracy * 100:>7.2f}%"
        f"{s.false_per_image:>11.2f}{s.number_accuracy * 100:>8.1f}%"
        f"{s.grouping_accuracy * 100:>9.1f}%"
    )


def print_videos(figures: dict[str, VideoFigures]) -> None:
    print(
        f"\nHand-held videos, {VIDEO_SIZE[0]}x{VIDEO_SIZE[1]}, {VIDEO_SECONDS:.0f} s at 15 "
        "FPS, tracked: distinct digits (each once) and frames (each alone)"
    )
    print(
        f"{'family':<13}{'videos':>7}{'distinct':>9}{'read':>8}{'found':>8}  |"
        f"{'frames':>7}{'read':>8}{'precision':>11}{'false/frm':>10}{'numbers':>9}"
        f"{'grouping':>10}"
    )
    for family, f in figures.items():
        d, s = f.digits, f.frames
        print(
            f"{family:<13}{f.videos:>7}{d.distinct:>9}{d.read_accuracy * 100:>7.2f}%"
            f"{d.recall * 100:>7.2f}%  |{s.frames:>7}{s.read_accuracy * 100:>7.2f}%"
            f"{s.precision * 100:>10.2f}%{s.false_per_image:>10.2f}"
            f"{s.number_accuracy * 100:>8.1f}%{s.grouping_accuracy * 100:>9.1f}%"
        )


def print_photos(photos: list[PhotoResult], folder: Path) -> PhotoScore:
    print(f"\nReal photos ({folder}): digits and numbers as multisets per photo")
    print(
        f"{'photo':<30}{'digits':>7}{'read':>6}{'reported':>9}{'numbers':>9}{'exact':>7}"
        "  numbers read"
    )
    total = PhotoScore()
    for photo in photos:
        s = photo.score
        total.add(s)
        print(
            f"{photo.name[:29]:<30}{s.truth:>7}{s.read:>6}{s.reported:>9}{s.numbers:>9}"
            f"{s.numbers_read:>7}  {photo.read_text[:60]}"
        )
    print(
        f"real photos: read {total.read_accuracy * 100:.1f}% ({total.read}/{total.truth}), "
        f"precision {total.precision * 100:.1f}% ({total.read}/{total.reported}), numbers "
        f"exact {total.number_accuracy * 100:.1f}% ({total.numbers_read}/{total.numbers})"
    )
    return total


def guard_figures(
    stills: dict[str, Score], videos: dict[str, VideoFigures], photos: PhotoScore | None
) -> dict[str, dict[str, float]]:
    """The figures the CI guard keeps per family (percentages)."""
    pct = baseline.percent
    figures: dict[str, dict[str, float]] = {}
    for family, s in stills.items():
        figures[f"stills/{family}"] = {
            "read": pct(s.read_accuracy),
            "precision": pct(s.precision),
            "numbers": pct(s.number_accuracy),
            "grouping": pct(s.grouping_accuracy),
        }
    for family, v in videos.items():
        figures[f"videos/{family}"] = {
            "distinct_read": pct(v.digits.read_accuracy),
            "frames_read": pct(v.frames.read_accuracy),
            "numbers": pct(v.frames.number_accuracy),
            "grouping": pct(v.frames.grouping_accuracy),
        }
    if photos is not None:
        figures["photos"] = {
            "read": pct(photos.read_accuracy),
            "precision": pct(photos.precision),
            "numbers": pct(photos.number_accuracy),
        }
    return figures


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    add_data_option(parser)
    parser.add_argument("--model", type=Path, default=MODELS / "digits_int8.tflite")
    parser.add_argument("--scenes", type=int, default=10, help="still scenes per family")
    parser.add_argument(
        "--videos",
        type=int,
        default=3,
        help=f"hand-held videos per video family ({VIDEO_SECONDS:.0f} s each)",
    )
    parser.add_argument(
        "--family",
        nargs="+",
        choices=STILL_FAMILIES,
        metavar="FAMILY",
        help=f"still families to run (default: all: {', '.join(STILL_FAMILIES)})",
    )
    parser.add_argument(
        "--video-family",
        nargs="+",
        choices=list(VIDEO_FAMILIES),
        metavar="FAMILY",
        help=f"video families to run (default: all: {', '.join(VIDEO_FAMILIES)})",
    )
    parser.add_argument(
        "--photos",
        type=Path,
        default=default_photos(),
        help="folder of real photos with labels.json (default: photos-dev in "
        "$CAMDIGIT_DATA or ../shared/data, when there)",
    )
    parser.add_argument("--no-photos", action="store_true", help="skip the real photos")
    parser.add_argument("--no-videos", action="store_true", help="skip the videos")
    parser.add_argument("--seed", type=int, default=2026, help="scene seed")
    parser.add_argument(
        "--smear",
        type=int,
        default=0,
        metavar="PX",
        help="film the videos with a camera moving while its shutter is open: every frame "
        "smeared PX pixels along a hand's motion turning a few degrees a frame, with a "
        "sensor's noise after the smear (0: as rendered; 7: a webcam panning a quarter of its "
        "width a second at 1/20 s)",
    )
    parser.add_argument(
        "--min-digit",
        type=float,
        default=DEFAULT_MIN_DIGIT,
        help="the recognizer's --min-digit: crops the model judges a digit with "
        "a lower probability are not reported",
    )
    parser.add_argument("--no-speed", action="store_true", help="accuracy only")
    parser.add_argument(
        "--no-baselines", action="store_true", help="skip the float32 and Keras baselines"
    )
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument(
        "--errors",
        type=Path,
        help="error gallery: crops of every miss, wrong reading, false digit "
        "and wrong number, with an index.html, in this folder",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"CI guard: {CHECK_SCENES} scenes per still family, one video, the "
        "real photos, digits from the test fixture; exit 1 when any family's "
        f"figure falls more than {baseline.TOLERANCE_POINTS} points below "
        "benchmarks/baseline.json",
    )
    parser.add_argument(
        "--write-baseline",
        action="store_true",
        help="run the guard's set and record its figures in benchmarks/baseline.json",
    )
    parser.add_argument("--baseline", type=Path, default=baseline.BASELINE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.check or args.write_baseline:
        args.data, args.scenes, args.videos = None, CHECK_SCENES, 1
        args.video_family = args.video_family or CHECK_VIDEO_FAMILIES
        args.no_speed = args.no_baselines = True
    if args.no_photos:
        args.photos = None
    if args.no_videos:
        args.videos = 0
    if args.scenes < 0 or args.videos < 0:
        parser.error("--scenes and --videos must be 0 or more")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    try:
        images, labels, digits_source = load_digits(args.data)
    except DataError as exc:
        print(f"benchmark: error: {exc}", file=sys.stderr)
        return 2
    cv2.setNumThreads(1)
    machine = describe_machine()
    families = args.family or STILL_FAMILIES
    video_families = (args.video_family or list(VIDEO_FAMILIES)) if args.videos else []
    print(f"machine: {machine}")
    print(
        f"digits: {digits_source}; {args.scenes} scenes per still family, {args.videos} "
        f"videos per video family, seed {args.seed}"
        + (f", every video frame smeared {args.smear} px" if args.smear > 1 else "")
        + f"; model: {args.model.name}"
    )
    command = " ".join(["python -m benchmarks.run", *(sys.argv[1:] if argv is None else argv)])
    figures: dict = {
        "machine": machine,
        "digits": digits_source,
        "seed": args.seed,
        "smear": args.smear,
        "model": args.model.name,
        "command": command,
    }
    gallery = ErrorGallery(args.errors) if args.errors else None

    started = time.monotonic()
    int8 = DigitClassifier(args.model, threads=1)
    stills = still_accuracy(
        Recognizer(int8, min_digit=args.min_digit),
        images,
        labels,
        families,
        args.scenes,
        args.seed,
        STILL_SIZE,
        gallery,
    )
    print_stills(stills)
    videos = video_accuracy(
        Recognizer(int8, tracker=DigitTracker(), min_digit=args.min_digit),
        images,
        labels,
        video_families,
        args.videos,
        args.seed,
        VIDEO_SIZE,
        VIDEO_SECONDS,
        gallery,
        args.smear,
    )
    if videos:
        print_videos(videos)
    photo_total = None
    if args.photos is not None:
        try:
            photos = read_photos(Recognizer(int8, min_digit=args.min_digit), args.photos)
        except ValueError as exc:
            print(f"benchmark: error: {exc}", file=sys.stderr)
            return 2
        photo_total = print_photos(photos, args.photos)
        figures["photos"] = {
            "total": photo_total.as_dict(),
            "per_photo": {p.name: {**p.score.as_dict(), "read": p.read_text} for p in photos},
        }
        if gallery is not None:
            add_photos_to_gallery(gallery, photos)
    elif not (args.check or args.write_baseline) or args.no_photos:
        print("\nreal photos: not scored (no photos-dev folder; give --photos DIR)")
    print(f"\naccuracy: {time.monotonic() - started:.0f} s")
    figures["stills"] = {family: s.as_dict() for family, s in stills.items()}
    figures["videos"] = {family: v.as_dict() for family, v in videos.items()}
    guard = guard_figures(stills, videos, photo_total)
    figures["guard"] = guard

    if not args.no_baselines:
        figures["baselines"] = run_baselines(images, labels, args, families, stills)
    if not args.no_speed:
        figures["speed"], figures["peak_rss_mb"] = run_speed(images, labels, args)
    if gallery is not None:
        print(f"\nerror gallery: {gallery.write()}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    if args.write_baseline:
        meta = {
            "command": "python -m benchmarks.run --write-baseline",
            "machine": machine,
            "digits": digits_source,
            "seed": args.seed,
            "model": args.model.name,
            "scenes_per_family": args.scenes,
            "videos_per_family": args.videos,
        }
        baseline.write(guard, meta, args.baseline)
        print(f"\nwrote {args.baseline} ({len(guard)} groups)")
        return 0
    if args.check:
        return report_guard(guard, args.baseline)
    return 0


def add_photos_to_gallery(gallery: ErrorGallery, photos: list[PhotoResult]) -> None:
    """Photos with any miss, false digit or wrong number, shown whole with camdigit's drawing."""
    annotator = Annotator()
    for photo in photos:
        s = photo.score
        if s.read == s.truth == s.reported and s.numbers_read == s.numbers:
            continue
        drawn = annotator.annotate(photo.image.copy(), photo.result)
        gallery.add_photo(
            "real photos", photo.name, drawn, " ".join(photo.numbers), photo.read_text
        )


def report_guard(guard: dict[str, dict[str, float]], path: Path) -> int:
    """Compare with the recorded baseline; print the verdict; 0 when no family regressed."""
    try:
        recorded = baseline.load(path)
    except ValueError as exc:
        print(f"benchmark: error: {exc}", file=sys.stderr)
        return 2
    verdict = baseline.compare(guard, recorded)
    for group in verdict.unknown:
        print(f"guard: no baseline for {group} yet (record one with --write-baseline)")
    for group in verdict.absent:
        print(f"guard: {group} is in the baseline but was not measured")
    if verdict.ok:
        print(
            f"\nguard passed: {len(guard) - len(verdict.unknown)} groups within "
            f"{baseline.TOLERANCE_POINTS} points of {path.name}"
        )
        return 0
    print(
        f"\nguard FAILED: {len(verdict.failures)} figure(s) fell more than "
        f"{baseline.TOLERANCE_POINTS} points below {path.name}:"
    )
    for line in verdict.failures:
        print(f"  {line}")
    return 1


def run_baselines(
    images: np.ndarray,
    labels: np.ndarray,
    args: argparse.Namespace,
    families: list[str],
    int8_scores: dict[str, Score],
) -> dict:
    """The same still scenes read by other classifiers: float32 TFLite, and the seed's way."""

    def total(scores: dict[str, Score]) -> Score:
        out = Score()
        for score in scores.values():
            out.add(score)
        return out

    rows = {"int8 TFLite (shipped)": total(int8_scores)}
    float32 = MODELS / "digits_float32.tflite"
    if float32.is_file():
        rows["float32 TFLite"] = total(
            still_accuracy(
                Recognizer(DigitClassifier(float32)),
                images,
                labels,
                families,
                args.scenes,
                args.seed,
                STILL_SIZE,
                None,
            )
        )
    keras_model = MODELS / "digits.keras"
    if tensorflow_available() and keras_model.is_file():
        # One predict call per crop costs tens of ms: two scenes per family are enough.
        keras_scores = still_accuracy(
            Recognizer(KerasPerCrop(keras_model)),
            images,
            labels,
            families,
            min(2, args.scenes),
            args.seed,
            STILL_SIZE,
            None,
        )
        rows["Keras float, predict per crop (2 scenes per family)"] = total(keras_scores)
    print("\nBaselines: all still families read by other classifiers")
    for name, score in rows.items():
        print(
            f"  {name:<52} read {score.read_accuracy * 100:6.2f}%  precision "
            f"{score.precision * 100:6.2f}%  ({score.truth} digits)"
        )
    return {name: score.as_dict() for name, score in rows.items()}


def print_speed(rows: list[dict]) -> None:
    print(
        f"\n{'scene':<30}{'thr':>4}{'digits':>7}{'read':>6}"
        + "".join(f"{s:>9}" for s in STAGES)
        + f"{'total ms':>10}{'FPS':>7}"
    )
    for row in rows:
        print(
            f"{row['scene']:<30}{row['threads']:>4}{row['digits_per_frame']:>7.1f}"
            f"{row['classified_per_frame']:>6.1f}"
            + "".join(f"{row['ms'][s]:>9.2f}" for s in STAGES)
            + f"{row['ms_per_frame']:>10.2f}{row['fps']:>7.1f}"
        )


def run_speed(
    images: np.ndarray, labels: np.ndarray, args: argparse.Namespace
) -> tuple[list[dict], float]:
    """Time the pipeline on two video files: 960x720 with ~60 digits, 640x480 with ~10."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenes = [("960x720, ~60 digits", (960, 720), 70), ("640x480, ~10 digits", (640, 480), 12)]
        paths = []
        for name, size, digits in scenes:
            video = render_video(
                images, labels, args.seed + 100, size=size, seconds=4.0, digits=digits
            )
            path = folder / f"{size[0]}x{size[1]}.mp4"
            write_video(path, video.frames, video.fps)
            paths.append((name, path))
        for name, path in paths:
            for track in (False, True):
                for threads in (1, 2):
                    row = time_video(path, args.model, threads, track)
                    row["scene"] = f"{name}, {'tracked' if track else 'read all'}"
                    rows.append(row)
        print(
            "\nSpeed: mean ms per frame by stage over a 4 s video file (decode included, every "
            "frame drawn; 'read' = crops classified per frame)"
        )
        print_speed(rows)
        peak = peak_rss_of_run(paths[0][1], folder)
        avi = peak_rss_of_run(paths[0][1], folder, "annotated.avi")
        lines_only = peak_rss_of_run(paths[0][1], folder, None)
        print(
            f"\npeak memory of 'camdigit run' on the 960x720 video, saving video and JSON "
            f"Lines: {peak:.0f} MB (H.264 .mp4 through PyAV); {avi:.0f} MB saving .avi "
            f"(OpenCV's writer); {lines_only:.0f} MB writing JSON Lines only"
        )
    cv2.setNumThreads(1)
    return rows, round(peak, 1)


if __name__ == "__main__":
    sys.exit(main())
