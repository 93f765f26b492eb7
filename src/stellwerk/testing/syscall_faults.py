"""Faults of the disk and the clock for one node process: a small shared library (`syscall_faults.c`, compiled
with the machine's C compiler) is preloaded into the process and slows each fsync/fdatasync or shifts the wall
clock by what a control file says at that moment, so a test can turn a fault on and off while the node runs. The
monotonic clock is left alone, as a real clock jump leaves it."""

from __future__ import annotations

import mmap
import shutil
import struct
import subprocess
from pathlib import Path

_SOURCE = Path(__file__).with_name("syscall_faults.c")
_LAYOUT = struct.Struct("<qq")  # sync delay, clock offset: microseconds


def build_library(folder: Path) -> Path | str:
    """The compiled library in `folder`, or why there is none (no C compiler)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return "no C compiler (cc) to build the fault library"
    library = folder / "syscall_faults.so"
    command = [compiler, "-shared", "-fPIC", "-O2", "-o", str(library), str(_SOURCE), "-ldl", "-lpthread"]
    built = subprocess.run(command, capture_output=True, text=True, check=False)
    if built.returncode != 0:
        return f"the fault library did not build: {built.stderr.strip()}"
    return library


class SyscallFaults:
    """The control of one process's faults; `environment` goes into the process's environment at its start."""

    def __init__(self, library: Path, control: Path) -> None:
        self.library = library
        self.control = control
        control.write_bytes(_LAYOUT.pack(0, 0))
        with control.open("r+b") as file:
            self._memory = mmap.mmap(file.fileno(), _LAYOUT.size)

    @property
    def environment(self) -> dict[str, str]:
        return {"LD_PRELOAD": str(self.library), "STELLWERK_FAULTS_CONTROL": str(self.control)}

    def slow_sync(self, seconds: float) -> None:
        self._set(sync_delay_s=seconds)

    def shift_clock(self, seconds: float) -> None:
        self._set(clock_offset_s=seconds)

    def clear(self) -> None:
        self._memory[:] = _LAYOUT.pack(0, 0)

    def _set(self, *, sync_delay_s: float | None = None, clock_offset_s: float | None = None) -> None:
        delay, offset = _LAYOUT.unpack(self._memory[:])
        if sync_delay_s is not None:
            delay = round(sync_delay_s * 1e6)
        if clock_offset_s is not None:
            offset = round(clock_offset_s * 1e6)
        self._memory[:] = _LAYOUT.pack(delay, offset)

    def close(self) -> None:
        self._memory.close()
