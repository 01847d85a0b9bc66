from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def mnist_1000() -> tuple[np.ndarray, np.ndarray]:
    """1,000 raw MNIST test digits (28x28, ink bright) and their labels."""
    with np.load(FIXTURES / "mnist_test_1000.npz") as data:
        return data["images"], data["labels"]


def run_python(*args: str, cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python ARGS`` in a subprocess with quiet TensorFlow; output captured as text."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0")
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def default_ctrl_c() -> None:
    """For a child process: Ctrl-C (SIGINT) at its default, as a command typed at a terminal
    gets it. A shell starts background jobs with SIGINT ignored and children inherit that, so
    tests of Ctrl-C run from a background job (``bash .ci/run &``) would see it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_run(source: Path, saved: Path, lines: Path, after: int, sig: int) -> tuple[int, str]:
    """Start ``camdigit run SOURCE --save SAVED --json LINES`` and send it ``sig`` once it has
    written ``after`` JSON lines (or has ended); its exit code and stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "camdigit", "run", str(source), "--save", str(saved)]
        + ["--json", str(lines), "--no-show", "--quiet"],
        cwd=REPO,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_ctrl_c,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if lines.exists() and len(lines.read_text().splitlines()) >= after:
            break
        time.sleep(0.02)
    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    return process.returncode, err
