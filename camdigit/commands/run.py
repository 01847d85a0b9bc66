"""``camdigit run``: find and read the digits in a camera, video, photo, folder or glob."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from camdigit.commands.options import (
    HelpFormatter,
    add_model_options,
    add_run_options,
    check_common_flags,
    make_recognizer,
    want_window,
)
from camdigit.commands.workers import parse_workers, run_archive, wants_archive
from camdigit.core.detections import FrameResult
from camdigit.core.pipeline import Recognizer
from camdigit.io.outputs import AnnotatedWriter, JsonLinesWriter
from camdigit.io.runner import Progress, RunSummary, Terminated, format_numbers, run
from camdigit.io.sources import FrameSource, SourceError, open_source


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``run`` to the command line's subcommands."""
    run = subparsers.add_parser(
        "run",
        formatter_class=HelpFormatter,
        help="find and read the digits in a camera, video, photo or folder",
        description="Find every handwritten digit in SOURCE, read it, group digits into "
        "numbers, and show, save or print the result.",
    )
    run.add_argument(
        "source",
        metavar="SOURCE",
        help="camera index (0), video or image file, folder, glob ('shots/*.jpg'), "
        "stream URL (rtsp://, http://) or picam (Raspberry Pi camera)",
    )
    output = run.add_argument_group("output")
    output.add_argument(
        "--save",
        type=Path,
        metavar="PATH",
        help="annotated image (for a photo), video (for a video or camera: "
        ".mp4 is H.264 and .webm VP9, which browsers play; also .mkv, .mov, "
        ".avi), or folder (for a folder or glob)",
    )
    output.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing --save file (an input is never replaced)",
    )
    output.add_argument(
        "--json",
        metavar="PATH",
        help="JSON Lines, one object per frame, flushed per frame; - for stdout",
    )
    archive = run.add_argument_group("many files (a folder or a glob)")
    archive.add_argument(
        "--workers",
        type=parse_workers,
        default=1,
        metavar="N",
        help="read the files in N processes at once (auto: one per core); "
        "the output is the same as with one",
    )
    archive.add_argument(
        "--resume",
        action="store_true",
        help="skip the files whose lines are already complete in the --json "
        "file and add the rest (after a run was stopped)",
    )
    archive.add_argument(
        "--ray",
        nargs="?",
        const="",
        default=None,
        metavar="ADDRESS",
        help="read the files as Ray tasks: on a local Ray runtime, or on the "
        "cluster at ADDRESS (auto, ray://HOST:10001); needs camdigit[cluster]",
    )
    add_model_options(run)
    add_run_options(run)
    run.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    check_common_flags(args)
    if wants_archive(args):  # a folder or glob with --workers N, --resume or --ray
        return run_archive(args)
    recognizer = make_recognizer(args)
    show = want_window(args)
    source = open_source(args.source)
    summary = process_source(
        source,
        recognizer,
        args.save,
        args.json,
        show,
        args.quiet,
        print_results=not (args.save or args.json or show),
        overwrite=args.overwrite,
        turn=args.turn,
    )
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
    turn: int = 0,
) -> RunSummary:
    """Open the outputs (checked before any frame is read), run (every frame turned ``turn``
    degrees clockwise first), and report."""
    from camdigit.io.display import Window

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
        run(
            source,
            recognizer,
            json_writer=writer,
            saver=saver,
            window=window,
            progress=progress,
            on_result=printer,
            summary=summary,
            turn=turn,
        )
    except (KeyboardInterrupt, Terminated):
        if not quiet:  # how a camera's run ends: still say what was done
            report_summary(summary, saver, writer, json_path)
        raise
    if printer is not None:
        printer.finish(summary)
    if not quiet:
        report_summary(summary, saver, writer, json_path)
    return summary


def report_summary(
    summary: RunSummary,
    saver: AnnotatedWriter | None,
    writer: JsonLinesWriter | None,
    json_path: str | None,
) -> None:
    """The run's last line on stderr: frames (and, live, those skipped), digits, speed, files."""
    written = [str(p) for p in (saver.written if saver else [])]
    if writer is not None and json_path is not None and json_path != "-":
        written.append(json_path)
    written += [str(p) for p in summary.snapshots]
    # a live source: the frames skipped to keep the loop on the newest one
    skipped = f" ({summary.dropped} skipped to stay current)" if summary.dropped else ""
    print(
        f"camdigit: {summary.frames} frames{skipped}, {summary.digits} digits, "
        f"{summary.fps:.1f} FPS" + (f"; wrote {', '.join(written)}" if written else ""),
        file=sys.stderr,
    )


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
