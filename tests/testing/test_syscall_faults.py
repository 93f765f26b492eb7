"""The preloaded fault library in a real child process: fdatasync slowed, the wall clock shifted (and the
monotonic clock not), both changed while the process runs."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from stellwerk.testing.syscall_faults import SyscallFaults, build_library

_PROBE = """
import os, sys, time, tempfile
fd, _ = tempfile.mkstemp()
for line in sys.stdin:
    started = time.monotonic()
    os.fdatasync(fd)
    print(f"{time.time()} {time.monotonic() - started} {time.monotonic()}", flush=True)
"""


@pytest.fixture
def faults(tmp_path: Path) -> SyscallFaults:
    library = build_library(tmp_path)
    if isinstance(library, str):
        pytest.skip(library)
    return SyscallFaults(library, tmp_path / "control")


def test_sync_delay_and_clock_offset_apply_while_the_process_runs(faults: SyscallFaults) -> None:
    probe = subprocess.Popen(
        [sys.executable, "-c", _PROBE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", **faults.environment},
    )
    assert probe.stdin is not None and probe.stdout is not None

    def ask() -> tuple[float, float, float]:
        assert probe.stdin is not None and probe.stdout is not None
        probe.stdin.write("\n")
        probe.stdin.flush()
        wall, sync, monotonic = map(float, probe.stdout.readline().split())
        return wall, sync, monotonic

    try:
        wall, sync, monotonic_before = ask()
        assert abs(wall - time.time()) < 5 and sync < 0.15
        faults.slow_sync(0.2)
        faults.shift_clock(3600)
        wall, sync, _ = ask()
        assert sync >= 0.2
        assert 3595 < wall - time.time() < 3605
        faults.clear()
        wall, sync, monotonic_after = ask()
        assert abs(wall - time.time()) < 5 and sync < 0.15
        assert 0 < monotonic_after - monotonic_before < 30  # the monotonic clock never jumped
    finally:
        probe.stdin.close()
        probe.wait(10)
        probe.stdout.close()
        faults.close()
