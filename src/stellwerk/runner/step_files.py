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
_directories: dict[tuple[int, Path | None], Path] = {}


class StepFiles(NamedTuple):
    script: Path
    return_values: Path


@contextlib.contextmanager
def step_files(temp_directory: Path | None = None) -> Iterator[StepFiles]:
    """Fresh names for a step's files (nothing is created); whatever exists of them is deleted at the end."""
    directory = _directory(temp_directory)
    number = next(_numbers)
    files = StepFiles(directory / f"{number}.script", directory / f"{number}.return-values")
    try:
        yield files
    finally:
        for path in files:
            path.unlink(missing_ok=True)


def _directory(temp_directory: Path | None) -> Path:
    key = (os.getpid(), temp_directory)  # a forked child makes its own
    directory = _directories.get(key)
    if directory is None or not directory.is_dir():
        directory = Path(tempfile.mkdtemp(prefix="stellwerk-steps-", dir=temp_directory))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        _directories[key] = directory
    return directory
