"""Fail-over of a Controller cluster under load (issue #6).

A ClusterRig (see `stellwerk.testing.cluster_rig`: two Controller nodes with heartbeat 0.2 s and heartbeat
timeout 0.6 s, so a fail-over after 1.2 s of silence; a Cluster Watch in this process; Agents) runs orders while,
K times at a random moment after the cluster coupled, the active node is killed with SIGKILL; the time until the
other node answers the Controller API is measured, and the killed node is started again and comes back as
passive. At the end every accepted order must have finished once (see `stellwerk.testing.chaos` for the
figures; `bench/chaos.py` adds the other faults).

    python bench/failover.py [--quick] [--kills K] [--seed S]

`--quick`: 3 kills (the default is 10). The last line is `name=value` figures.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from stellwerk.testing.chaos import Chaos, Plan, Report
from stellwerk.testing.cluster_rig import ClusterRig


async def run(kills: int, seed: int) -> Report:
    with tempfile.TemporaryDirectory() as folder:
        async with ClusterRig.running(Path(folder) / "rig") as rig:
            chaos = Chaos(
                rig, Path(folder) / "runs", random.Random(seed), lambda text: print(text, flush=True)
            )
            return await chaos.run(Plan(["kill_active"] * kills))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="3 kills")
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=None)
    arguments = parser.parse_args()
    seed = arguments.seed if arguments.seed is not None else int(time.time())
    report = asyncio.run(run(3 if arguments.quick else arguments.kills, seed))
    figures = report.figures()
    names = ("orders", "kills", "lost", "duplicates", "two_actives", "failover_median_s", "failover_max_s")
    print(f"seed={seed} " + " ".join(f"{name}={figures[name]}" for name in names))


if __name__ == "__main__":
    main()
