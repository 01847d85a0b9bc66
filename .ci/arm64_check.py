"""Helper of ``.ci/arm64-check``: what runs inside the emulated arm64 root, and the comparison.

    python arm64_check.py probe OUT          # on arm64: the interpreter, packages, decoded samples
    python arm64_check.py compare X86 ARM64 [OPENCV]  # on the host: both outputs compared

X86 and ARM64 are folders holding the same files: ``photo.jsonl`` and ``video.jsonl`` (``camdigit
run SAMPLE --json -``), ``demo.txt`` (``camdigit demo``'s stdout), ``demo/`` (its --out folder)
and, in ARM64, ``probe.json`` and ``decoded.npz``. OPENCV: the one OpenCV distribution
expected on arm64.

Photos must be equal exactly. Videos are compared with a tolerance: the frames decoded from the
same H.264 file differ by a grey level or two between the x86 and aarch64 builds of OpenCV and
FFmpeg, which can move a digit's outline by a pixel and its int8 score by a step. So a video's
frames must hold the same digits (with the same track ids and lines) and the same numbers (texts,
ids, lines), with every box within BOX_TOL pixels and every confidence within CONF_TOL; the order
of the digits inside a frame may differ (it follows the boxes, so two digits of nearly equal
height can swap when one moves by a pixel).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

BOX_TOL = 2  # pixels, each of x, y, w, h
CONF_TOL = 0.02  # about 5 steps of the int8 output
OPENCV_DISTS = (
    "opencv-python",
    "opencv-python-headless",
    "opencv-contrib-python",
    "opencv-contrib-python-headless",
)


DECODED_FRAMES = (0, 29, 59)


def decode_samples(samples: Path) -> dict:
    """The bundled photo and a few frames of the video as this machine's OpenCV decodes them."""
    import cv2

    arrays = {"photo": cv2.imread(str(samples / "demo_photo.jpg"))}
    capture = cv2.VideoCapture(str(samples / "demo_video.mp4"))
    index = 0
    while index <= max(DECODED_FRAMES):
        ok, frame = capture.read()
        if not ok:
            break
        if index in DECODED_FRAMES:
            arrays[f"frame{index}"] = frame
        index += 1
    capture.release()
    return arrays


def probe(out: Path) -> int:
    """Write probe.json (interpreter, machine, packages) and decoded.npz (decoded samples)."""
    import importlib.metadata as metadata
    import platform

    import cv2
    import numpy

    import camdigit

    dists: dict[str, str] = {}
    for dist in metadata.distributions():  # in sys.path order: the venv's before the system's
        name = dist.metadata["Name"]
        if name:
            dists.setdefault(name.lower().replace("_", "-"), dist.version)
    samples = Path(camdigit.__file__).parent / "samples"
    numpy.savez_compressed(out / "decoded.npz", **decode_samples(samples))
    (out / "probe.json").write_text(
        json.dumps(
            {
                "machine": platform.machine(),
                "python": platform.python_version(),
                "prefix": sys.prefix,
                "camdigit": camdigit.__file__,
                "numpy": [numpy.__version__, numpy.__file__],
                "cv2": [cv2.__version__, cv2.__file__],
                "opencv_dists": sorted(d for d in dists if d in OPENCV_DISTS),
                "versions": {
                    name: dists.get(name)
                    for name in (
                        "camdigit",
                        "numpy",
                        "opencv-python",
                        "opencv-python-headless",
                        "ai-edge-litert",
                        "av",
                        "protobuf",
                        "flatbuffers",
                        "ml-dtypes",
                    )
                },
            }
        )
    )
    return 0


def read_jsonl(path: Path) -> list[dict]:
    frames = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for frame in frames:  # the path differs between the two machines, the name does not
        frame["source"] = Path(frame["source"]).name
    return frames


def compare_exact(x86: list[dict], arm: list[dict]) -> list[str]:
    if len(x86) != len(arm):
        return [f"{len(arm)} frames on arm64, {len(x86)} on x86"]
    errors = []
    for x, a in zip(x86, arm, strict=True):
        for key in sorted(set(x) | set(a)):
            if x.get(key) == a.get(key):
                continue
            if key in ("detections", "numbers"):
                only_x86 = [item for item in x[key] if item not in a[key]]
                only_arm = [item for item in a[key] if item not in x[key]]
                errors.append(
                    f"frame {x['frame']}: {key}: only on x86: {only_x86[:4]}; "
                    f"only on arm64: {only_arm[:4]}"
                    + (" (same items, other order)" if not only_x86 + only_arm else "")
                )
            else:
                errors.append(
                    f"frame {x['frame']}: {key}: {x.get(key)!r} on x86, {a.get(key)!r} on arm64"
                )
    return errors[:5]


def box_diff(a: list[int], b: list[int]) -> int:
    return max(abs(p - q) for p, q in zip(a, b, strict=True))


def compare_video(x86: list[dict], arm: list[dict], stats: dict) -> list[str]:
    """Differences beyond the tolerance; ``stats`` gets the largest deviations seen."""
    if len(x86) != len(arm):
        return [f"{len(arm)} frames on arm64, {len(x86)} on x86"]
    errors: list[str] = []
    for x, a in zip(x86, arm, strict=True):
        where = f"frame {x['frame']}"
        if (x["source"], x["frame"], x["time"]) != (a["source"], a["frame"], a["time"]):
            errors.append(f"{where}: source/frame/time differ")
            continue
        if len(x["detections"]) != len(a["detections"]):
            errors.append(
                f"{where}: {len(a['detections'])} digits on arm64, {len(x['detections'])} on x86"
            )
            continue
        unmatched = list(a["detections"])
        for det in x["detections"]:
            same = [
                d
                for d in unmatched
                if (d["digit"], d["track"], d["line"]) == (det["digit"], det["track"], det["line"])
            ]
            best = min(same, key=lambda d: box_diff(d["box"], det["box"]), default=None)
            if best is None or box_diff(best["box"], det["box"]) > BOX_TOL:
                errors.append(f"{where}: x86's {det} has no counterpart on arm64")
                break
            unmatched.remove(best)
            stats["box"] = max(stats["box"], box_diff(best["box"], det["box"]))
            stats["conf"] = max(stats["conf"], abs(best["confidence"] - det["confidence"]))
            stats["moved"] += best["box"] != det["box"]
            stats["digits"] += 1
            if abs(best["confidence"] - det["confidence"]) > CONF_TOL:
                errors.append(
                    f"{where}: confidence {best['confidence']} on arm64, "
                    f"{det['confidence']} on x86 for {det['box']}"
                )
        if [d["digit"] for d in a["detections"]] != [d["digit"] for d in x["detections"]]:
            stats["reordered"] += 1
        xn = sorted(x["numbers"], key=lambda n: n["id"])
        an = sorted(a["numbers"], key=lambda n: n["id"])
        if [(n["id"], n["text"], n["line"]) for n in xn] != [
            (n["id"], n["text"], n["line"]) for n in an
        ]:
            errors.append(
                f"{where}: numbers {[n['text'] for n in an]} on arm64, "
                f"{[n['text'] for n in xn]} on x86"
            )
        elif any(box_diff(p["box"], q["box"]) > BOX_TOL for p, q in zip(xn, an, strict=True)):
            errors.append(f"{where}: a number's box moved more than {BOX_TOL} px")
        else:
            stats["numbers"] += len(xn)
            stats["box"] = max(
                [stats["box"]] + [box_diff(p["box"], q["box"]) for p, q in zip(xn, an, strict=True)]
            )
    return errors[:5]


def demo_lines(path: Path) -> list[str]:
    """``camdigit demo``'s stdout without what differs by machine (speed, output folder)."""
    lines = []
    for line in path.read_text().splitlines():
        line = re.sub(r", [0-9.]+ FPS\)", ")", line)
        line = re.sub(
            r"wrote \S+ and \S+",
            lambda m: " ".join(Path(w).name if "/" in w else w for w in m.group(0).split()),
            line,
        )
        lines.append(line)
    return lines


def video_facts(path: Path) -> str:
    """Codec, size and number of frames of a saved video, decoded by PyAV on the host."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return f"{stream.codec_context.name} {stream.width}x{stream.height} {frames} frames"


def compare(x86_dir: Path, arm_dir: Path, opencv: str | None = None) -> int:
    failures: list[str] = []
    report: list[str] = []

    probe_facts = json.loads((arm_dir / "probe.json").read_text())
    versions = " ".join(f"{k} {v}" for k, v in probe_facts["versions"].items() if v)
    report.append(
        f"arm64 side: {probe_facts['machine']}, Python {probe_facts['python']}; {versions}"
    )
    if probe_facts["machine"] != "aarch64":
        failures.append(f"the emulated Python reports {probe_facts['machine']}, not aarch64")
    if not probe_facts["python"].startswith("3.11."):
        failures.append(f"Python {probe_facts['python']}, not Bookworm's 3.11")
    opencv_dists = probe_facts["opencv_dists"]
    if len(opencv_dists) != 1 or (opencv and opencv_dists != [opencv]):
        failures.append(
            f"OpenCV distributions installed: {opencv_dists} "
            f"(exactly one expected: {opencv or 'any'})"
        )
    prefix = probe_facts["prefix"]
    for what in ("camdigit", "numpy", "cv2"):
        where = probe_facts[what] if what == "camdigit" else probe_facts[what][1]
        if not where.startswith(prefix + "/"):
            failures.append(f"{what} imported from {where}, outside the venv {prefix}")

    import numpy

    with numpy.load(arm_dir / "decoded.npz") as arm_arrays:
        arm_decoded = {k: arm_arrays[k] for k in arm_arrays.files}
    x86_decoded = decode_samples(x86_dir / "site" / "camdigit" / "samples")
    if not numpy.array_equal(x86_decoded.pop("photo"), arm_decoded.pop("photo")):
        failures.append("the sample photo decodes to other pixels on arm64")
    else:
        report.append("sample photo: decoded to the same pixels")
    if sorted(x86_decoded) != sorted(arm_decoded):
        failures.append(
            f"video frames decoded: {sorted(arm_decoded)} on arm64, {sorted(x86_decoded)} on x86"
        )
    else:
        diffs = [
            numpy.abs(x86_decoded[k].astype(int) - arm_decoded[k].astype(int))
            for k in sorted(x86_decoded)
        ]
        report.append(
            f"sample video, frames {', '.join(str(i) for i in DECODED_FRAMES)} (OpenCV): "
            f"pixels differ by at most {max(int(d.max()) for d in diffs)} grey levels, "
            f"{100 * sum(int((d > 0).sum()) for d in diffs) / sum(d.size for d in diffs):.1f}% "
            "of them at all (hence the tolerance below)"
        )

    for name in ("photo.jsonl", "demo/camdigit-demo-photo.jsonl"):
        errors = compare_exact(read_jsonl(x86_dir / name), read_jsonl(arm_dir / name))
        failures += [f"{name}: {e}" for e in errors]
        if not errors:
            frames = read_jsonl(x86_dir / name)
            report.append(
                f"{name}: equal exactly ({sum(len(f['detections']) for f in frames)} "
                f"digits, {sum(len(f['numbers']) for f in frames)} numbers)"
            )

    for name in ("video.jsonl", "demo/camdigit-demo.jsonl"):
        stats = {"box": 0, "conf": 0.0, "moved": 0, "digits": 0, "numbers": 0, "reordered": 0}
        x86, arm = read_jsonl(x86_dir / name), read_jsonl(arm_dir / name)
        errors = compare_video(x86, arm, stats)
        failures += [f"{name}: {e}" for e in errors]
        if not errors:
            identical = sum(x == a for x, a in zip(x86, arm, strict=True))
            report.append(
                f"{name}: {len(x86)} frames, same {stats['digits']} digits and "
                f"{stats['numbers']} numbers; {identical} frames identical; boxes within "
                f"{stats['box']} px (tolerance {BOX_TOL}; {stats['moved']} boxes moved), "
                f"confidences within {stats['conf']:.4f} (tolerance {CONF_TOL}); "
                f"{stats['reordered']} frames list the digits in another order"
            )

    x86_demo, arm_demo = demo_lines(x86_dir / "demo.txt"), demo_lines(arm_dir / "demo.txt")
    if x86_demo != arm_demo:
        failures.append(
            "camdigit demo printed other results:\n  x86:   "
            + "\n         ".join(x86_demo)
            + "\n  arm64: "
            + "\n         ".join(arm_demo)
        )
    else:
        reads = [line.split(": read ", 1)[1] for line in arm_demo if ": read " in line]
        report.append(f"camdigit demo: same printed results (read: {' | '.join(reads)})")

    x86_video = video_facts(x86_dir / "demo" / "camdigit-demo.mp4")
    arm_video = video_facts(arm_dir / "demo" / "camdigit-demo.mp4")
    if x86_video != arm_video:
        failures.append(f"demo video saved on arm64: {arm_video}; on x86: {x86_video}")
    else:
        report.append(f"demo video saved on arm64 decodes on x86 like x86's own: {arm_video}")

    for line in report:
        print("   " + line)
    for line in failures:
        print("   MISMATCH " + line)
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["probe"] and len(argv) == 2:
        return probe(Path(argv[1]))
    if argv[:1] == ["compare"] and len(argv) in (3, 4):
        return compare(Path(argv[1]), Path(argv[2]), *argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
