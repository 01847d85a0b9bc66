"""How deep a motion smear's cepstral peak stands in sharp frames and in smeared ones: what
:data:`camdigit.core.motion_blur.DEPTH` and :data:`~camdigit.core.motion_blur.FOLLOW` are set
from.

    python -m benchmarks.smear_depths                  # the sweep's pages, the photos, smears
    python -m benchmarks.smear_depths --seeds 1 2 --no-photos

Sharp frames: :mod:`benchmarks.page_sweep`'s pages (every still family, each seed, each
variant) and, where the labelled photos are, each real photo in each variant of
:mod:`benchmarks.photo_variants` but the smeared ones, as made and with a 3-level noise. For
them: the deepest peak at which a frame would be measured smeared (its depth in the windows'
mean, or its shallowest window's over ``AGREE``, whichever is less), and the depth at one
given place as a video's followed smear asks it (the deepest near a place drawn at random,
:data:`PLACES` a frame): its 99.9th percentile and its deepest; and how many are measured
smeared (a deep peak whose direction the frame is not blurred along is not taken,
:func:`camdigit.core.motion_blur.blurred_along`).

Smeared frames: :data:`FRAMES` frames of each of :data:`FAMILIES`' first video, each smeared
6-10 px along a direction drawn from the seed, as rendered, with a 2-level sensor noise after
the smear, saved as JPEG at quality 75, as H.264 at crf 23, and with the noise then H.264 at
crf 18: how many of them are measured smeared at their length and direction (within a pixel
and 8 degrees).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import cv2
import numpy as np

from benchmarks.page_sweep import VARIANTS as PAGE_VARIANTS
from benchmarks.page_sweep import variant
from benchmarks.photo_variants import VARIANTS as PHOTO_VARIANTS
from benchmarks.photo_variants import jpeg, moving
from benchmarks.photos import default_photos
from benchmarks.run import STILL_FAMILIES, VIDEO_SECONDS, VIDEO_SIZE, load_digits
from benchmarks.scenes import family_seeds, render_scene, render_video
from camdigit.core import motion_blur
from camdigit.data.mnist import DataError

FAMILIES = ("thin", "rotated", "clutter", "texture", "video", "spacing")
"""The video families whose frames are smeared."""

FRAMES = 5
"""Frames smeared per video (every ninth of its 45)."""

PLACES = 40
"""Places drawn per sharp frame for the depth a followed smear asks."""


def _gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def sharp_frames(
    images: np.ndarray, labels: np.ndarray, seeds: list[int], photos: Path | None
) -> Iterator[np.ndarray]:
    """Grey sharp frames: the sweep's pages, then the photos' variants as made and noisy."""
    for family in STILL_FAMILIES:
        for seed in seeds:
            scene = render_scene(images, labels, family, seed, (960, 720))
            for name in PAGE_VARIANTS:
                yield _gray(variant(scene, name)[0])
    if photos is None:
        return
    noise = np.random.default_rng(3)
    for path in sorted(p for p in photos.iterdir() if p.suffix.lower() in (".jpg", ".png")):
        photo = cv2.imread(str(path))
        for name, change in PHOTO_VARIANTS.items():
            if name.startswith("moving"):
                continue
            frame = _gray(change(photo))
            yield frame
            yield np.clip(frame + noise.normal(0.0, 3.0, frame.shape), 0, 255).astype(np.uint8)


def h264(crf: int) -> Callable[[list[np.ndarray]], list[np.ndarray]]:
    """Grey frames saved as one H.264 video at ``crf`` (x264, veryfast) and decoded again."""

    def code(frames: list[np.ndarray]) -> list[np.ndarray]:
        buffer = io.BytesIO()
        with av.open(buffer, "w", format="mp4") as out:
            stream = out.add_stream("libx264", rate=15)
            stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
            stream.pix_fmt = "yuv420p"
            stream.options = {"crf": str(crf), "preset": "veryfast"}
            for frame in frames:
                out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="gray")))
            out.mux(stream.encode())
        buffer.seek(0)
        with av.open(buffer) as video:
            return [f.to_ndarray(format="gray") for f in video.decode(video=0)]

    return code


def _each(change: Callable[[np.ndarray], np.ndarray]) -> Callable[[list], list]:
    return lambda frames: [_gray(change(frame)) for frame in frames]


CONDITIONS: dict[str, tuple[float, Callable[[list[np.ndarray]], list[np.ndarray]]]] = {
    "as rendered": (0.0, lambda frames: frames),
    "2-level noise": (2.0, lambda frames: frames),
    "JPEG q75": (0.0, _each(jpeg(75))),
    "H.264 crf 23": (0.0, h264(23)),
    "noise, H.264 crf 18": (2.0, h264(18)),
}
"""Each condition of the smeared frames: the sensor noise after the smear, and the codec."""


def smeared_frames(
    images: np.ndarray, labels: np.ndarray, seed: int
) -> list[tuple[np.ndarray, int, float]]:
    """Sharp grey video frames and the smear each is to get: (frame, length, degrees)."""
    draw = np.random.default_rng(seed)
    out = []
    for family in FAMILIES:
        video = render_video(
            images,
            labels,
            family_seeds(family, 1, seed)[0],
            size=VIDEO_SIZE,
            seconds=VIDEO_SECONDS,
            family=family,
        )
        for frame in video.frames[::9][:FRAMES]:
            out.append((_gray(frame), int(draw.integers(6, 11)), float(draw.uniform(0, 180))))
    return out


def passing(each: np.ndarray) -> np.ndarray:
    """(directions, lengths): the depth at which a frame with window depths ``each``
    (:func:`camdigit.core.motion_blur.window_depths`) passes the depth gates there: the
    windows' mean, or the shallowest window's over ``AGREE``, whichever is less."""
    return np.minimum(each.mean(axis=0), each.min(axis=0) / motion_blur.AGREE)


def place_depths(depths: np.ndarray, draw: np.random.Generator) -> np.ndarray:
    """(PLACES,) the deepest of ``depths`` (:func:`passing`) near places drawn at random, as
    near as a followed smear may lie (:func:`camdigit.core.motion_blur.near`)."""
    places = zip(
        draw.choice(motion_blur.LENGTHS, PLACES),
        draw.choice(motion_blur.DIRECTIONS, PLACES),
        strict=True,
    )
    return np.array(
        [
            depths[motion_blur.near(motion_blur.Smear(int(n), float(a), 0.0))].max()
            for n, a in places
        ]
    )


def measured_right(frame: np.ndarray, length: int, degrees: float) -> bool:
    """Whether ``frame`` is measured smeared within a pixel and 8 degrees of the truth."""
    smear = motion_blur.measure_smear(frame)
    if smear is None:
        return False
    apart = abs((smear.degrees - degrees + 90.0) % 180.0 - 90.0)
    return abs(smear.length - length) <= 1 and apart <= 8.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--data", type=Path, default=None, help="MNIST IDX folder (default: the test fixture)"
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(1, 7)))
    parser.add_argument("--seed", type=int, default=2026, help="the smeared videos' seed")
    parser.add_argument("--photos", type=Path, default=default_photos(), help="labelled photos")
    parser.add_argument("--no-photos", action="store_true", help="the sweep's pages only")
    args = parser.parse_args(argv)
    try:
        images, labels, _ = load_digits(args.data)
    except DataError as exc:
        print(f"benchmarks.smear_depths: {exc}", file=sys.stderr)
        return 2
    photos = None if args.no_photos else args.photos
    cv2.setNumThreads(1)
    draw = np.random.default_rng(0)
    deepest, places, count, measured = 0.0, [], 0, 0
    for frame in sharp_frames(images, labels, args.seeds, photos):
        windows = motion_blur.busiest_windows(frame)
        if len(windows) < motion_blur.WINDOWS:
            continue
        depths = passing(motion_blur.window_depths(windows))
        deepest = max(deepest, float(depths.max()))
        places.append(place_depths(depths, draw))
        measured += motion_blur.measure_smear(frame) is not None
        count += 1
    at_place = np.concatenate(places) if places else np.zeros(1)
    print(f"sharp frames: {count} ({'pages' if photos is None else 'pages and photos'})")
    print(f"  measured smeared:        {measured:5d}")
    print(f"  deepest peak anywhere:   {deepest:5.1f}  (DEPTH {motion_blur.DEPTH:g})")
    print(
        f"  at a given place:        {at_place.max():5.1f}  99.9th percentile "
        f"{np.percentile(at_place, 99.9):.1f}, {len(at_place)} places "
        f"(FOLLOW {motion_blur.FOLLOW:g})"
    )
    frames = smeared_frames(images, labels, args.seed)
    print(f"smeared 6-10 px: {len(frames)} frames of {', '.join(FAMILIES)}; measured right")
    for name, (noise, code) in CONDITIONS.items():
        smeared = [
            moving(length, degrees, noise=noise, seed=k)(frame)
            for k, (frame, length, degrees) in enumerate(frames)
        ]
        right = sum(
            measured_right(out, length, degrees)
            for out, (_, length, degrees) in zip(code(smeared), frames, strict=True)
        )
        print(f"  {name:<21} {right:3d} / {len(frames)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
