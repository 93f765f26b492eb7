"""An elastic pool scaling 1 → 4 → 1 Subagents during a run of 1,000 `true` orders (issue #6, "Elastic pools").

Runs tests/agent/subagents/test_elastic_pool.py with more orders: a real Agent (Director) and four in-process
Subagents over mutual TLS behind a round-robin TCP balancer; m2–m4 join after a quarter of the orders and drain
after three quarters. The test asserts that every order ran exactly once (each order one successful
OrderProcessed, the Subagents' process counts adding up to the number of orders; a process refused by a draining
member never ran and its order started again: ProcessLost), and that the Agent lists 4 joined and 3 left.

    python bench/pool.py [--quick] [--orders N]

The last line is `orders=… seconds=… orders_per_s=… refused=… m1=… m2=… m3=… m4=…`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TEST = "tests/agent/subagents/test_elastic_pool.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="200 orders")
    arguments = parser.parse_args()
    orders = 200 if arguments.quick else arguments.orders
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "pool.json"
        env = {
            **os.environ,
            "STELLWERK_POOL_ORDERS": str(orders),
            "STELLWERK_POOL_SCRIPT": "true",
            "STELLWERK_POOL_REPORT": str(report),
        }
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "timeout=600", TEST]
        ran = subprocess.run(command, env=env, check=False)
        if ran.returncode != 0:
            sys.exit(f"the pool run failed (exit {ran.returncode})")
        summary = json.loads(report.read_text())
    rate = summary["orders"] / summary["seconds"]
    members = " ".join(f"{sid}={summary[sid]}" for sid in ("m1", "m2", "m3", "m4"))
    print(
        f"orders={summary['orders']} seconds={summary['seconds']} orders_per_s={rate:.1f} "
        f"refused={summary['refused']} {members}"
    )


if __name__ == "__main__":
    main()
