from __future__ import annotations

import os
import subprocess
import sys
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
