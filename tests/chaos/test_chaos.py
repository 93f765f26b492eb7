"""The short version of `make chaos`: every fault once against a whole system as real processes while orders
flow (see stellwerk.testing.chaos), and nothing lost, nothing run twice outside the ProcessLost rule, never two
active Controller nodes, every accepted order finished."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from stellwerk.testing.chaos import FAULTS, Chaos, Plan
from stellwerk.testing.cluster_rig import ClusterRig

pytestmark = pytest.mark.slow


@pytest.mark.timeout(300)
async def test_every_fault_once_loses_no_order_and_runs_no_job_twice(tmp_path: Path) -> None:
    said: list[str] = []
    async with ClusterRig.running(tmp_path / "rig") as rig:
        report = await Chaos(rig, tmp_path / "runs", random.Random(6), said.append).run(
            Plan.every_fault_once()
        )
    made = [fault for fault in FAULTS if fault not in report.skipped]  # skipped: what this machine cannot do
    assert sorted(report.faults) == sorted(made), said
    assert report.orders > 50, said
    figures = report.figures()
    assert (figures["lost"], figures["duplicates"], figures["two_actives"], figures["unfinished"]) == (
        "0",
        "0",
        "0",
        "0",
    ), (report.line(), said)
    assert len(report.failovers) == 1 and len(report.recoveries) == len(made)
