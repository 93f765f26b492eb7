"""What the peers of bench/peers.py share: a virtual environment of its own per peer under the cache folder
(made with uv on first use, its requirements installed from PyPI), their servers and workers as process groups
started and stopped around a run, and the end of their drivers, which print the figures as one JSON line."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

# Put before each peer's driver script: `report(runs_per_s, latencies_ms, lateness_ms, paced_per_s)` prints the
# line bench/peers.py reads (lateness: how late each planned start began; paced_per_s: the rate of the latency
# runs, lowered below --rate for a peer that could not keep up with it); `planned_times(count, pace, lead)`: the
# exact times (epoch seconds) of the planned starts, the first on a whole second at least `lead` s ahead (as a
# cron-like schedule plans), the others one each 1/pace s (on whole seconds too when that is a second or more).
REPORT = """
def planned_times(count, pace, lead):
    import math, time
    first, step = math.ceil(time.time() + lead), 1 / pace if pace >= 1 else math.ceil(1 / pace)
    return [first + index * step for index in range(count)]


def report(runs_per_s, latencies, lateness=(), paced_per_s=None):
    import json, statistics

    def p99(values):
        return sorted(values)[min(len(values) - 1, int(0.99 * len(values)))] if values else None

    print(json.dumps({"tasks_per_s": runs_per_s, "p50_ms": statistics.median(latencies), "p99_ms": p99(latencies),
                      "late_p50_ms": statistics.median(lateness) if lateness else None,
                      "late_p99_ms": p99(lateness), "paced_per_s": paced_per_s}))
"""

# For drivers whose runs leave a marker file named by the run's key, holding `started [planned]` in epoch seconds
# (written by the job once its /bin/true has run): the markers found, waited for up to a deadline.
MARKERS = """
def read_markers(folder, keys=None):
    import os
    found = {}
    for name in os.listdir(folder) if keys is None else keys:
        try:
            found[name] = [float(word) for word in open(os.path.join(folder, name)).read().split()]
        except (OSError, ValueError):
            continue  # not there yet, or still being written
        if not found[name]:
            del found[name]
    return found


def wait_for_markers(folder, keys, timeout):
    import time
    deadline, keys, found = time.monotonic() + timeout, list(keys), {}
    while len(found) < len(keys):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(keys) - len(found)} of {len(keys)} runs not finished within {timeout} s")
        found.update(read_markers(folder, [key for key in keys if key not in found]))
        time.sleep(0.05)
    return found


def slower_pace(rate, runs_per_s):
    # the latency runs of a peer slower than --rate are paced at half its throughput: at --rate they would queue
    return min(rate, runs_per_s / 2)


def runs_per_second(submit, folder, count):
    import time
    began = time.perf_counter()
    for n in range(count):
        submit(f"t{n}")
    wait_for_markers(folder, [f"t{n}" for n in range(count)], 3600)
    return count / (time.perf_counter() - began)


def paced_latencies(submit, folder, count, pace):
    import time
    sent, start = {}, time.perf_counter()
    for index in range(count):
        time.sleep(max(0.0, start + index / pace - time.perf_counter()))
        sent[f"p{index}"] = time.time()
        submit(f"p{index}")
    started = wait_for_markers(folder, sent, 3600)
    return [(started[key][0] - at) * 1000 for key, at in sent.items()]


def lateness_of(markers):
    return [(started - planned) * 1000 for started, planned in markers.values()]
"""


def python_of(cache: Path, peer: str) -> Path:
    return cache / peer / "bin" / "python"


def environment(cache: Path, peer: str, requirements: Sequence[str], uv: Path) -> Path:
    """The peer's virtual environment with `requirements` installed; its python."""
    python = python_of(cache, peer)
    if not python.exists():
        subprocess.run([str(uv), "venv", "-q", str(python.parent.parent)], check=True)
    installed = subprocess.run(
        [str(uv), "pip", "install", "-q", "--python", str(python), *requirements],
        capture_output=True,
        text=True,
    )
    if installed.returncode != 0:
        raise RuntimeError(f"uv pip install {' '.join(requirements)}: {installed.stderr.strip()[-300:]}")
    return python


def installed_version(python: Path, distribution: str) -> str:
    if not python.exists():
        return "?"
    # Isolated and run from its environment's folder: the caller's working folder may be gone by now.
    found = subprocess.run(
        [str(python), "-I", "-c", f"from importlib.metadata import version; print(version({distribution!r}))"],
        capture_output=True, text=True, cwd=python.parent,
    )  # fmt: skip
    if not found.stdout.strip():
        print(f"The version of {distribution} is unknown: {found.stderr.strip()[-300:]}", file=sys.stderr)
    return found.stdout.strip() or "?"


def prepared(work: Path, files: Mapping[str, str]) -> Path:
    """The work folder of a driver whose runs leave markers: `files` (path in it -> text) written, the folder for
    the markers made; that folder."""
    for name, text in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    (work / "markers").mkdir()
    return work / "markers"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def background(
    command: Sequence[str], work: Path, env: Mapping[str, str], log_name: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A peer's server or worker as a process group of its own, logging to work/log_name; stopped (SIGTERM, then
    SIGKILL after 30 s) with all its children when the block ends."""
    with (work / log_name).open("w") as log:
        process = subprocess.Popen(
            command, cwd=work, env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            stop_group(process)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # children that outlived their parent


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Until `url` answers 200 (a peer's server has started), or the server has ended, or timeout seconds."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s (exit code {process.poll()})")


def drive(python: Path, work: Path, env: Mapping[str, str], peer: str, *arguments: object) -> dict[str, Any]:
    """Runs work/driver.py with the arguments; the figures of its last line."""
    driven = subprocess.run(
        [str(python), "driver.py", *map(str, arguments)],
        cwd=work, env=dict(env), capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    if driven.returncode != 0:
        raise RuntimeError(f"{peer}'s driver failed: {driven.stderr.strip()[-2000:]}")
    figures: dict[str, Any] = json.loads(driven.stdout.strip().splitlines()[-1])
    return figures
