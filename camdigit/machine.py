"""A one-line description of the machine, recorded next to every figure we measure."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe_machine() -> str:
    """E.g. ``"AMD EPYC 9B14, 2 cores, x86_64 Linux, Python 3.11.7"``."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith(("model name", "Model")):
                cpu = line.split(":", 1)[1].strip()
                break
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{cpu}, {cores} cores, {platform.machine()} {platform.system()}, "
        f"Python {platform.python_version()}"
    )


def has_bfloat16_matrix_units(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU has AMX bfloat16 tiles (Intel Sapphire Rapids and later).

    There, TensorFlow's oneDNN kernels train the digit CNN in mixed bfloat16 about four times
    faster than in float32 (see the README's "Train and export"); other CPUs have no such fast
    bfloat16 kernels, so training stays float32 there.
    """
    if not cpuinfo.is_file():
        return False
    for line in cpuinfo.read_text(errors="replace").splitlines():
        if line.startswith("flags"):
            return "amx_bf16" in line.split(":", 1)[1].split()
    return False
