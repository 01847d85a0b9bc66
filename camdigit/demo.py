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

from camdigit.sources import open_source

SAMPLES = Path(__file__).resolve().parent / "samples"
SAMPLE_VIDEO = SAMPLES / "demo_video.mp4"
SAMPLE_PHOTO = SAMPLES / "demo_photo.jpg"
SAMPLE_TRUTH = SAMPLES / "demo_truth.json"


def written_numbers() -> dict[str, list[str]]:
    """The numbers written on each sample page, by sample file name."""
    if not SAMPLE_TRUTH.is_file():
        return {}
    return json.loads(SAMPLE_TRUTH.read_text())


def demo_command(args: argparse.Namespace) -> int:
    from camdigit.cli import check_common_flags, make_recognizer, process_source, want_window

    check_common_flags(args)
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out}: not a folder; give a folder for the demo's outputs")
    try:
        out.mkdir(parents=True, exist_ok=True)  # as report --out does
    except OSError as exc:
        raise ValueError(f"--out {out}: cannot create the folder ({exc.strerror})") from None
    for sample in (SAMPLE_VIDEO, SAMPLE_PHOTO):
        if not sample.is_file():
            raise ValueError(f"bundled sample missing: {sample} (reinstall camdigit)")
    recognizer = make_recognizer(args)
    show = want_window(args)
    truth = written_numbers()
    jobs = [
        (SAMPLE_VIDEO, out / "camdigit-demo.mp4", out / "camdigit-demo.jsonl", "sample video"),
        (SAMPLE_PHOTO, out / "camdigit-demo-photo.jpg", out / "camdigit-demo-photo.jsonl",
         "sample photo"),
    ]
    for sample, save, json_path, label in jobs:
        source = open_source(str(sample))
        summary = process_source(source, recognizer, save, str(json_path), show, quiet=True,
                                 print_results=False, overwrite=True)  # its own outputs
        read = summary.steady_numbers(str(sample))
        written = truth.get(sample.name, [])
        print(f"{label} ({sample.name}, {summary.frames} frames, {summary.fps:.0f} FPS): "
              f"read {' '.join(read) or '-'}", flush=True)
        if written:
            right = sum((Counter(read) & Counter(written)).values())
            print(f"  written on the page: {' '.join(written)}  ({right} of {len(written)} "
                  f"read)", flush=True)
        print(f"  wrote {save} and {json_path}", flush=True)
        if summary.stopped_by == "quit":
            break
    sys.stdout.flush()
    return 0
