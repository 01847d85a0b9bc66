"""The runtime path (classifier, preprocessing, CLI) must never import TensorFlow or Keras."""

from __future__ import annotations

import pytest

from .conftest import run_python

PROBE = """
import sys
from camdigit.cli import main
code = main(["classify"])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "tf_keras"))
print("HEAVY:", ",".join(heavy))
runtimes = ("ai_edge_litert", "tflite_runtime")
print("RUNTIME:", sorted(m for m in sys.modules if m.split(".")[0] in runtimes)[:1])
sys.exit(code)
"""


@pytest.mark.slow
def test_classify_path_never_imports_tensorflow():
    result = run_python("-c", PROBE)
    assert result.returncode == 0, result.stderr
    assert "HEAVY: \n" in result.stdout, result.stdout
    assert "RUNTIME: ['ai_edge_litert" in result.stdout
    assert "20/20 bundled sample digits read right" in result.stdout
