"""64-bit Raspberry Pi OS, emulated: camdigit's aarch64 wheels install and read like on x86.

Runs ``.ci/arm64-check``: camdigit's wheel and the aarch64 wheels of its runtime installed offline
into a Debian 12 arm64 root (Raspberry Pi OS Bookworm's base, Python 3.11) made by mmdebstrap,
``camdigit demo`` and ``camdigit run`` on the bundled photo and video under qemu-aarch64-static,
and their JSON compared with this machine's (photos exactly, videos within a tolerance). Twice:
Pi OS with desktop (opencv-python, as camdigit depends on it) and Pi OS Lite (no GUI libraries;
the README's swap to opencv-python-headless). About a minute each with the cache
(``~/.cache/camdigit-arm64``), a little more the first time.

Needs ``apt-get install mmdebstrap qemu-user-static``, root or password-less sudo, and PyPI and a
Debian mirror on the first run; skipped without them, unless CAMDIGIT_REQUIRE_ARM64=1 (CI), where
their absence fails it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from .conftest import REPO

SCRIPT = REPO / ".ci" / "arm64-check"


def missing_tools() -> str | None:
    """Why the check cannot run here, or None."""
    if not sys.platform.startswith("linux"):
        return "the arm64 check runs on Linux only (chroot and qemu-user)"
    missing = [tool for tool in ("mmdebstrap", "qemu-aarch64-static") if not shutil.which(tool)]
    if missing:
        return f"{' and '.join(missing)} not found (apt-get install mmdebstrap qemu-user-static)"
    if os.geteuid() != 0:
        sudo = shutil.which("sudo")
        if not sudo or subprocess.run([sudo, "-n", "true"], capture_output=True).returncode:
            return "needs root or password-less sudo (mmdebstrap and chroot)"
    return None


@pytest.mark.slow
@pytest.mark.parametrize("image", ["desktop", "lite"])
def test_camdigit_runs_the_same_on_emulated_64bit_raspberry_pi_os(image):
    reason = missing_tools()
    if reason:
        if os.environ.get("CAMDIGIT_REQUIRE_ARM64") == "1":
            pytest.fail(f"CAMDIGIT_REQUIRE_ARM64=1 but {reason}")
        pytest.skip(reason)
    env = dict(os.environ, CAMDIGIT_X86_PYTHON=sys.executable, TF_CPP_MIN_LOG_LEVEL="3")
    args = ["--lite"] if image == "lite" else []
    result = subprocess.run(
        [str(SCRIPT), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=1800
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "PASS arm64-check" in result.stdout, output[-6000:]
