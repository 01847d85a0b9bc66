"""Make the samples bundled with camdigit for ``camdigit demo``, with the scene generator.

    python -m benchmarks.make_samples [--data ../shared/data/mnist]

Writes into ``camdigit/samples/``:

- ``demo_video.mp4``: 4 s of a hand-held camera over a ruled page of numbers, 640x480, 15 FPS;
- ``demo_photo.jpg``: a 960x720 photo of a page on a desk, in perspective, with a shadow;
- ``demo_truth.json``: the numbers written on each (for the video: those whole in most frames).

All digits are MNIST *test* digits (the full set when given, else the test fixture's 1,000).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import cv2

from benchmarks.run import load_digits, write_video
from benchmarks.scenes import render_scene, render_video
from camdigit.commands.demo import SAMPLE_PHOTO, SAMPLE_TRUTH, SAMPLE_VIDEO
from camdigit.data.mnist import DEFAULT_DATA_DIR

VIDEO_SEED = 31
PHOTO_SEED = 12


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA_DIR if DEFAULT_DATA_DIR.is_dir() else None
    )
    args = parser.parse_args(argv)
    images, labels, source = load_digits(args.data)

    video = render_video(images, labels, VIDEO_SEED, size=(640, 480), seconds=4.0, fps=15.0)
    write_video(SAMPLE_VIDEO, video.frames, video.fps)
    seen = Counter(text for truth in video.truths for text, _ in truth.numbers)
    video_numbers = [text for text, count in seen.items() if count >= len(video.frames) / 2]

    photo = render_scene(images, labels, "perspective", PHOTO_SEED, size=(960, 720), digits=30)
    cv2.imwrite(str(SAMPLE_PHOTO), photo.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    truth = {
        SAMPLE_VIDEO.name: video_numbers,
        SAMPLE_PHOTO.name: [text for text, _ in photo.truth.numbers],
        "digits": source,
    }
    SAMPLE_TRUTH.write_text(json.dumps(truth, indent=2) + "\n")
    for path in (SAMPLE_VIDEO, SAMPLE_PHOTO, SAMPLE_TRUTH):
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
