"""The private files of one step: the script of a ShellScriptExecutable and the return-values file.

They live in one directory per process (and temp directory), made with mode 0700 by the first step and
removed when the process exits; each step's files carry a number of their own and are deleted when the step
ends. A directory per step cost a random name, a mkdir and a tree removal: ten times the files themselves.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

_numbers = itertools.count(1)
_directories: dict[tuple[int, Path | None], str] = {}


class StepFiles(NamedTuple):
    script: Path
    return_values: Path


@contextlib.contextmanager
def step_files(temp_directory: Path | None = None) -> Iterator[StepFiles]:
    """Fresh names for a step's files (nothing is created); whatever exists of them is deleted at the end."""
    # Plain strings and os calls: pathlib took a third of the runner's own CPU per /bin/true step.
    base = f"{_directory(temp_directory)}{os.sep}{next(_numbers)}"
    names = (f"{base}.script", f"{base}.return-values")
    try:
        yield StepFiles(Path(names[0]), Path(names[1]))
    finally:
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)


def _directory(temp_directory: Path | None) -> str:
    key = (os.getpid(), temp_directory)  # a forked child makes its own
    directory = _directories.get(key)
    if directory is None or not os.path.isdir(directory):
        directory = tempfile.mkdtemp(prefix="stellwerk-steps-", dir=temp_directory)
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        _directories[key] = directory
    return directory
