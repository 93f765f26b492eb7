"""`make chaos`: faults against a whole system under load, and what they did (issue #6, #8).

A ClusterRig (two Controller nodes linked through proxies this script controls, a Cluster Watch in this process,
a Director Agent with two pool Subagents, a standalone Agent) runs orders of two jobs each while faults happen one
after the other: SIGKILL of the active Controller node (`--kills` times), the link between the nodes cut both
ways and one way (3 s each), SIGKILL of the Director Agent and of a Subagent (each twice). See
`stellwerk.testing.chaos` for what each figure counts.

    python bench/chaos.py [--quick] [--kills K] [--orders N] [--seed S] [--keep DIR]

`--quick`: every fault once, 1,000 orders at most (about two minutes). The last line is `name=value` figures;
the exit code is 1 when an order was lost, a job ran twice outside the ProcessLost rule, two nodes were active
at once or an order did not finish.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

from stellwerk.testing.chaos import Chaos, Plan, Report
from stellwerk.testing.cluster_rig import ClusterRig


async def run(plan: Plan, seed: int, folder: Path) -> Report:
    async with ClusterRig.running(folder / "rig") as rig:
        chaos = Chaos(rig, folder / "runs", random.Random(seed), say=lambda text: print(text, flush=True))
        return await chaos.run(plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="every fault once, 1,000 orders at most")
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs of the active Controller node")
    parser.add_argument("--orders", type=int, default=3000, help="orders at most")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--faults", default="", help="only these faults, once each, comma-separated")
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep the rig's files and logs in this folder"
    )
    arguments = parser.parse_args()
    seed = arguments.seed if arguments.seed is not None else int(time.time())
    rng = random.Random(seed)
    plan = Plan.every_fault_once() if arguments.quick else Plan.full(arguments.kills, rng, arguments.orders)
    if arguments.faults:
        plan.faults = arguments.faults.split(",")
    print(f"seed={seed} faults={','.join(plan.faults)}", flush=True)
    if arguments.keep is not None:
        arguments.keep.mkdir(parents=True, exist_ok=True)
        report = asyncio.run(run(plan, seed, arguments.keep))
    else:
        with tempfile.TemporaryDirectory() as folder:
            report = asyncio.run(run(plan, seed, Path(folder)))
    for fault, why in report.skipped.items():
        print(f"skipped {fault}: {why}", flush=True)
    print(report.line(), flush=True)
    sys.exit(0 if report.clean else 1)


if __name__ == "__main__":
    main()
