"""The ``camdigit`` command line: a thin layer over functions a program can call directly."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from pathlib import Path

from camdigit import __version__
from camdigit.classifier import DigitClassifier, ModelError
from camdigit.collect import add_collect_command
from camdigit.demo import demo_command
from camdigit.detections import FrameResult
from camdigit.explain import add_explain_command
from camdigit.finder import DigitFinder, FinderConfig
from camdigit.images import ImageError, read_image
from camdigit.outputs import AnnotatedWriter, JsonLinesWriter, OutputError
from camdigit.pipeline import DEFAULT_MAX_SIDE, DEFAULT_MIN_DIGIT, Recognizer
from camdigit.preprocess import SINGLE_DIGIT_SIDE, guess_ink, normalize_digit
from camdigit.report import add_report_command
from camdigit.runner import Progress, RunSummary, Terminated, format_numbers, run
from camdigit.sources import FrameSource, SourceError, open_source
from camdigit.tracking import DigitTracker
from camdigit.web.serve import add_serve_command
from camdigit.workers import parse_workers, run_archive, wants_archive

SAMPLE_DIGITS = Path(__file__).resolve().parent / "samples" / "digits"


class UsageError(Exception):
    """A flag value or argument is wrong; refused before any processing."""


def sample_digit_paths() -> list[Path]:
    """The bundled sample crops (MNIST test digits), used when no image is given."""
    return sorted(SAMPLE_DIGITS.glob("*.png"))


def _truth_from_name(path: Path) -> int | None:
    """Bundled samples carry their label in the name: ``...-label7...png``."""
    stem = path.stem
    marker = stem.find("-label")
    if marker < 0 or marker + 6 >= len(stem) or not stem[marker + 6].isdigit():
        return None
    return int(stem[marker + 6])


def check_common_flags(args: argparse.Namespace) -> None:
    """Refuse bad flag values before anything is opened or processed."""
    if args.threads < 1:
        raise UsageError(f"--threads must be at least 1, got {args.threads}")
    conf = getattr(args, "conf", 0.5)
    if not 0.0 <= conf <= 1.0:
        raise UsageError(f"--conf must be between 0 and 1, got {conf}")
    min_digit = getattr(args, "min_digit", DEFAULT_MIN_DIGIT)
    if not 0.0 <= min_digit <= 1.0:
        raise UsageError(f"--min-digit must be between 0 and 1, got {min_digit}")
    if getattr(args, "max_side", 0) < 0:
        raise UsageError(f"--max-side must be 0 (off) or positive, got {args.max_side}")


def make_recognizer(args: argparse.Namespace) -> Recognizer:
    import cv2

    # --threads is the whole process's budget: OpenCV's own worker pool too (its default, one
    # thread per core, competes with the interpreter on a small board).
    cv2.setNumThreads(args.threads)
    classifier = DigitClassifier(args.model, threads=args.threads)
    tracker = DigitTracker() if args.track else None
    finder = DigitFinder(FinderConfig(ink=getattr(args, "ink", "auto")))
    return Recognizer(classifier, finder=finder, tracker=tracker, conf=args.conf,
                      max_side=args.max_side,
                      min_digit=getattr(args, "min_digit", DEFAULT_MIN_DIGIT))


def want_window(args: argparse.Namespace) -> bool:
    """The --show decision: asked for, refused, or (by default) when a display is present."""
    from camdigit.display import display_available, why_no_display

    if args.show is None:
        return display_available()
    if args.show and not display_available():
        raise UsageError(f"--show: cannot open a window: {why_no_display()}; use --no-show")
    return bool(args.show)


def run_command(args: argparse.Namespace) -> int:
    check_common_flags(args)
    if wants_archive(args):  # a folder or glob with --workers N, --resume or --ray
        return run_archive(args)
    recognizer = make_recognizer(args)
    show = want_window(args)
    source = open_source(args.source)
    summary = process_source(source, recognizer, args.save, args.json, show, args.quiet,
                             print_results=not (args.save or args.json or show),
                             overwrite=args.overwrite)
    if source.problems and summary.frames == 0:
        raise SourceError(f"nothing could be read from {source.name}: {source.problems[0]}")
    return 1 if source.problems else 0


def process_source(
    source: FrameSource,
    recognizer: Recognizer,
    save: Path | None,
    json_path: str | None,
    show: bool,
    quiet: bool,
    print_results: bool,
    overwrite: bool = False,
) -> RunSummary:
    """Open the outputs (checked before any frame is read), run, and report."""
    from camdigit.display import Window

    outputs: list = []
    try:
        saver = AnnotatedWriter(save, source, overwrite) if save else None
        outputs.append(saver)
        writer = JsonLinesWriter(json_path) if json_path else None
        outputs.append(writer)
        window = Window() if show else None
    except BaseException:
        source.close()
        for output in outputs:
            if output is not None:
                output.close()
        raise
    progress = None
    if not quiet and not source.live and json_path != "-":
        progress = Progress(source.total)
    printer = ResultPrinter() if print_results else None
    summary = RunSummary()
    try:
        run(source, recognizer, json_writer=writer, saver=saver, window=window,
            progress=progress, on_result=printer, summary=summary)
    except (KeyboardInterrupt, Terminated):
        if not quiet:  # how a camera's run ends: still say what was done
            report_summary(summary, saver, writer, json_path)
        raise
    if printer is not None:
        printer.finish(summary)
    if not quiet:
        report_summary(summary, saver, writer, json_path)
    return summary


def report_summary(summary: RunSummary, saver: AnnotatedWriter | None,
                   writer: JsonLinesWriter | None, json_path: str | None) -> None:
    """The run's last line on stderr: frames (and, live, those skipped), digits, speed, files."""
    written = [str(p) for p in (saver.written if saver else [])]
    if writer is not None and json_path != "-":
        written.append(json_path)
    written += [str(p) for p in summary.snapshots]
    # a live source: the frames skipped to keep the loop on the newest one
    skipped = f" ({summary.dropped} skipped to stay current)" if summary.dropped else ""
    print(f"camdigit: {summary.frames} frames{skipped}, {summary.digits} digits, "
          f"{summary.fps:.1f} FPS" + (f"; wrote {', '.join(written)}" if written else ""),
          file=sys.stderr)


class ResultPrinter:
    """What ``camdigit run`` prints when no other output is chosen: each photo's numbers as it
    is read, a live source's numbers whenever they change, a video's steady numbers at its end."""

    def __init__(self) -> None:
        self._last: tuple[str, ...] | None = None
        self._videos: list[str] = []

    def __call__(self, result: FrameResult) -> None:
        texts = tuple(n.text for n in result.numbers)
        if result.still:  # line by line, in reading order
            print(format_numbers(result.source, result.numbers), flush=True)
        elif result.live:
            if texts != self._last:
                print(f"{result.time:7.1f}s  {' '.join(texts) or '-'}", flush=True)
                self._last = texts
        elif result.source not in self._videos:
            self._videos.append(result.source)

    def finish(self, summary: RunSummary) -> None:
        for source in self._videos:
            numbers = summary.steady_numbers(source)
            print(f"{source}: {' '.join(numbers) or 'no digits found'}", flush=True)


def _warn_if_a_page(path: Path, image, classifier: DigitClassifier) -> None:
    """``classify`` reads an image as one digit; a page of several gets a pointer to ``run``.
    A digit-sized image is no page: it is not searched (a folder of crops costs no more)."""
    if max(image.shape[:2]) <= SINGLE_DIGIT_SIDE:
        return
    found = len(Recognizer(classifier).process(image, str(path), still=True).detections)
    if found >= 2:
        logging.getLogger("camdigit").warning(
            "%s holds %d digits, but classify reads each image as one digit: use "
            "'camdigit run %s' to read them all", path, found, path)


def classify_command(args: argparse.Namespace) -> int:
    check_common_flags(args)
    paths = [Path(p) for p in args.images] or sample_digit_paths()
    if not paths:
        raise UsageError(f"no images given and no bundled samples in {SAMPLE_DIGITS}")
    classifier = DigitClassifier(args.model, threads=args.threads)

    crops, kept, failures = [], [], 0
    for path in paths:
        try:
            image = read_image(path)
        except ImageError as exc:
            if len(paths) == 1:
                raise
            logging.getLogger("camdigit").warning("skipping: %s", exc)
            failures += 1
            continue
        ink = guess_ink(image) if args.ink == "auto" else args.ink
        crops.append(normalize_digit(image, ink=ink))
        kept.append(path)
        _warn_if_a_page(path, image, classifier)
    if not crops:
        raise ImageError("none of the images could be read")

    import numpy as np

    result = classifier.classify(np.stack(crops))
    right = known = 0
    for path, digit, confidence, is_digit in zip(kept, result.digits, result.confidences,
                                                 result.is_digit, strict=True):
        truth = _truth_from_name(path) if not args.images else None
        if truth is not None:
            known += 1
            right += int(truth == digit)
        if args.json:
            record = {"file": str(path), "digit": int(digit), "confidence": float(confidence),
                      "is_digit": round(float(is_digit), 4)}
            if truth is not None:
                record["truth"] = truth
            print(json.dumps(record), flush=True)
        else:
            mark = "" if truth is None else ("  ok" if truth == digit else f"  WRONG (is {truth})")
            judged = ("" if is_digit >= DEFAULT_MIN_DIGIT
                      else f"  (not a digit? the model gives it {is_digit:.3f})")
            print(f"{path.name}: {digit}  ({confidence:.3f}){mark}{judged}", flush=True)
    if known and not args.json:
        print(f"{right}/{known} bundled sample digits read right "
              f"with {classifier.path.name} ({classifier.input_type})")
    return 1 if failures else 0


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a default only where there is one worth showing (not None, True or False)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if any(action.default is v for v in (None, True, False, argparse.SUPPRESS)):
            return action.help or ""
        return super()._get_help_string(action)


def add_model_options(parser: argparse.ArgumentParser) -> None:
    model = parser.add_argument_group("model options")
    model.add_argument("--model", type=Path, default=None,
                       help="a .tflite digit model (default: the shipped digits_int8.tflite)")
    model.add_argument("--threads", type=int, default=1, help="interpreter threads")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Flags shared by ``run`` and ``demo``: recognition, output and display."""
    reading = parser.add_argument_group("recognition")
    reading.add_argument("--conf", type=float, default=0.5,
                         help="digits read with a lower confidence are not reported (0..1)")
    reading.add_argument("--min-digit", type=float, default=DEFAULT_MIN_DIGIT,
                         help="crops the model judges a digit with a lower probability are not "
                         "reported (0..1; models with a 'not a digit' class)")
    reading.add_argument("--max-side", type=int, default=DEFAULT_MAX_SIDE,
                         help="shrink larger frames before finding digits (boxes stay in the "
                         "input's pixels); 0: never")
    reading.add_argument("--ink", choices=["auto", "dark", "light"], default="auto",
                         help="the writing: dark ink on light paper, light chalk or marker on a "
                         "dark board, or auto (measured per frame)")
    reading.add_argument("--no-track", dest="track", action="store_false",
                         help="read every frame on its own (no steady labels across frames)")
    view = parser.add_argument_group("visualization")
    view.add_argument("--show", action=argparse.BooleanOptionalAction, default=None,
                      help="show the annotated frames in a window (default: when a display is "
                      "present); keys: q quits, space pauses, s saves a snapshot")
    view.add_argument("--quiet", action="store_true",
                      help="no progress bar or summary on stderr")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="camdigit",
        description="Read handwritten digits through a camera with a small int8 CNN "
        "(no TensorFlow needed).",
    )
    parser.add_argument("--version", action="version", version=f"camdigit {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    formatter = HelpFormatter

    run = commands.add_parser(
        "run", formatter_class=formatter,
        help="find and read the digits in a camera, video, photo or folder",
        description="Find every handwritten digit in SOURCE, read it, group digits into "
        "numbers, and show, save or print the result.",
    )
    run.add_argument("source", metavar="SOURCE",
                     help="camera index (0), video or image file, folder, glob ('shots/*.jpg'), "
                     "stream URL (rtsp://, http://) or picam (Raspberry Pi camera)")
    output = run.add_argument_group("output")
    output.add_argument("--save", type=Path, metavar="PATH",
                        help="annotated image (for a photo), video (for a video or camera: "
                        ".mp4 is H.264 and .webm VP9, which browsers play; also .mkv, .mov, "
                        ".avi), or folder (for a folder or glob)")
    output.add_argument("--overwrite", action="store_true",
                        help="replace an existing --save file (an input is never replaced)")
    output.add_argument("--json", metavar="PATH",
                        help="JSON Lines, one object per frame, flushed per frame; - for stdout")
    archive = run.add_argument_group("many files (a folder or a glob)")
    archive.add_argument("--workers", type=parse_workers, default=1, metavar="N",
                         help="read the files in N processes at once (auto: one per core); "
                         "the output is the same as with one")
    archive.add_argument("--resume", action="store_true",
                         help="skip the files whose lines are already complete in the --json "
                         "file and add the rest (after a run was stopped)")
    archive.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                         help="read the files as Ray tasks: on a local Ray runtime, or on the "
                         "cluster at ADDRESS (auto, ray://HOST:10001); needs camdigit[cluster]")
    add_model_options(run)
    add_run_options(run)
    run.set_defaults(handler=run_command)

    demo = commands.add_parser(
        "demo", formatter_class=formatter,
        help="run on the bundled sample video and photo (no camera needed)",
        description="Read the bundled sample video and photo (pages of MNIST test digits made "
        "by camdigit's scene generator), write the annotated video and photo and their JSON "
        "Lines, and print the numbers read.",
    )
    demo.add_argument("--out", type=Path, default=Path("."),
                      help="folder for camdigit-demo.mp4, camdigit-demo.jsonl, "
                      "camdigit-demo-photo.jpg and camdigit-demo-photo.jsonl")
    add_model_options(demo)
    add_run_options(demo)
    demo.set_defaults(handler=demo_command)

    classify = commands.add_parser(
        "classify", formatter_class=formatter,
        help="classify single-digit images (default: the bundled sample digits)",
        description="Classify images that each hold one digit. With no IMAGE, classifies the "
        "bundled sample digits (MNIST test digits) and checks the answers.",
    )
    classify.add_argument("images", nargs="*", metavar="IMAGE", help="image files, one digit each")
    add_model_options(classify)
    classify.add_argument("--ink", choices=["auto", "dark", "bright"], default="auto",
                          help="ink darker or lighter than the background (auto: guess per image)")
    classify.add_argument("--json", action="store_true", help="one JSON object per image")
    classify.set_defaults(handler=classify_command)
    add_serve_command(commands, formatter_class=formatter)
    add_collect_command(commands, formatter_class=formatter)
    add_explain_command(commands, formatter_class=formatter)
    add_report_command(commands, formatter_class=formatter)
    return parser


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="camdigit: %(levelname)s: %(message)s",
    )
    if args.command is None:
        parser.print_help()
        return 2
    previous = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread (embedded use): leave SIGTERM alone
        previous = None
    try:
        return args.handler(args)
    except (UsageError, ModelError, ImageError, SourceError, OutputError, ValueError) as exc:
        print(f"camdigit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("camdigit: interrupted; outputs closed", file=sys.stderr)
        return 130
    except Terminated:
        print("camdigit: terminated; outputs closed", file=sys.stderr)
        return 143
    except BrokenPipeError:
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
