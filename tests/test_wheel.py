"""A built wheel carries the model: install it in a fresh venv and classify a digit there."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv

import cv2
import pytest

from .conftest import REPO

SCRIPT = """
import sys, cv2
import camdigit
from camdigit import DigitClassifier, normalize_digit
classifier = DigitClassifier()
digit = classifier.classify(normalize_digit(cv2.imread(sys.argv[1], 0), ink="dark")).digits[0]
print(camdigit.__file__)
print(classifier.path)
print("DIGIT", digit)
"""


@pytest.mark.slow
def test_wheel_installs_and_finds_its_model(tmp_path, mnist_1000):
    dist = tmp_path / "dist"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(dist.glob("camdigit-*.whl"))

    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    # Dependencies (numpy, OpenCV, LiteRT) come from this environment; camdigit does not.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    with open(f"{site}/borrowed_dependencies.pth", "w") as pth:
        pth.write("\n".join(sorted(deps)) + "\n")

    images, labels = mnist_1000
    digit_png = tmp_path / "digit.png"
    cv2.imwrite(str(digit_png), 255 - images[0])
    run = subprocess.run(
        [str(python), "-I", "-c", SCRIPT, str(digit_png)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    package_file, model_path, answer = run.stdout.strip().splitlines()
    assert package_file.startswith(str(env_dir))
    assert model_path.startswith(str(env_dir)) and model_path.endswith("digits_int8.tflite")
    assert answer == f"DIGIT {labels[0]}"
