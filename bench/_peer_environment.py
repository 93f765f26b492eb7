"""What the peers of bench/peers.py share: a virtual environment of its own per peer under the cache folder
(made with uv on first use, its requirement installed from PyPI), and the end of their drivers, which print the
figures as one JSON line."""

from __future__ import annotations

import subprocess
from pathlib import Path

# Appended to each peer's driver script: `report(runs_per_s, latencies_ms)` prints the line bench/peers.py reads.
REPORT = """
def report(runs_per_s, latencies):
    import json, statistics
    latencies = sorted(latencies)
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(json.dumps({"tasks_per_s": runs_per_s, "p50_ms": statistics.median(latencies), "p99_ms": p99}))
"""


def python_of(cache: Path, peer: str) -> Path:
    return cache / peer / "bin" / "python"


def environment(cache: Path, peer: str, requirement: str, uv: Path) -> Path:
    """The peer's virtual environment with `requirement` installed; its python."""
    python = python_of(cache, peer)
    if not python.exists():
        subprocess.run([str(uv), "venv", "-q", str(python.parent.parent)], check=True)
    subprocess.run([str(uv), "pip", "install", "-q", "--python", str(python), requirement], check=True)
    return python
