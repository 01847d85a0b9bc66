"""``camdigit demo``: the whole pipeline on a bundled sample video and photo, no camera needed.

The samples are pages of MNIST *test* digits rendered by the project's scene generator
(``benchmarks/scenes.py``; remade by ``python -m benchmarks.make_samples``), with the numbers
written on them stored beside them, so the demo can say how many it read right.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from camdigit.commands.options import (
    HelpFormatter,
    add_model_options,
    add_run_options,
    check_common_flags,
    make_recognizer,
    want_window,
)
from camdigit.commands.run import process_source
from camdigit.errors import CamdigitError, UsageError
from camdigit.io.sources import open_source

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SAMPLE_VIDEO = SAMPLES / "demo_video.mp4"
SAMPLE_PHOTO = SAMPLES / "demo_photo.jpg"
SAMPLE_TRUTH = SAMPLES / "demo_truth.json"


def written_numbers() -> dict[str, list[str]]:
    """The numbers written on each sample page, by sample file name."""
    if not SAMPLE_TRUTH.is_file():
        return {}
    return json.loads(SAMPLE_TRUTH.read_text())


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``demo`` to the command line's subcommands."""
    demo = subparsers.add_parser(
        "demo",
        formatter_class=HelpFormatter,
        help="run on the bundled sample video and photo (no camera needed)",
        description="Read the bundled sample video and photo (pages of MNIST test digits made "
        "by camdigit's scene generator), write the annotated video and photo and their JSON "
        "Lines, and print the numbers read.",
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("."),
        help="folder for camdigit-demo.mp4, camdigit-demo.jsonl, "
        "camdigit-demo-photo.jpg and camdigit-demo-photo.jsonl",
    )
    add_model_options(demo)
    add_run_options(demo)
    demo.set_defaults(handler=demo_command)


def demo_command(args: argparse.Namespace) -> int:
    check_common_flags(args)
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: not a folder; give a folder for the demo's outputs")
    try:
        out.mkdir(parents=True, exist_ok=True)  # as report --out does
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create the folder ({exc.strerror})") from None
    for sample in (SAMPLE_VIDEO, SAMPLE_PHOTO):
        if not sample.is_file():
            raise CamdigitError(f"bundled sample missing: {sample} (reinstall camdigit)")
    recognizer = make_recognizer(args)
    show = want_window(args)
    truth = written_numbers()
    jobs = [
        (SAMPLE_VIDEO, out / "camdigit-demo.mp4", out / "camdigit-demo.jsonl", "sample video"),
        (
            SAMPLE_PHOTO,
            out / "camdigit-demo-photo.jpg",
            out / "camdigit-demo-photo.jsonl",
            "sample photo",
        ),
    ]
    for sample, save, json_path, label in jobs:
        source = open_source(str(sample))
        summary = process_source(
            source,
            recognizer,
            save,
            str(json_path),
            show,
            quiet=True,
            print_results=False,
            overwrite=True,
            turn=args.turn,
        )  # its own outputs
        read = summary.steady_numbers(str(sample))
        written = truth.get(sample.name, [])
        print(
            f"{label} ({sample.name}, {summary.frames} frames, {summary.fps:.0f} FPS): "
            f"read {' '.join(read) or '-'}",
            flush=True,
        )
        if written:
            right = sum((Counter(read) & Counter(written)).values())
            print(
                f"  written on the page: {' '.join(written)}  ({right} of {len(written)} read)",
                flush=True,
            )
        print(f"  wrote {save} and {json_path}", flush=True)
        if summary.stopped_by == "quit":
            break
    sys.stdout.flush()
    return 0
