"""An elastic pool scaling 1 → 4 → 1 Subagents behind a load balancer during a run of orders: members join by
enrolment (the Director asks the pool's one address), leave by draining, and every order runs exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from stellwerk.agent.config import AgentConfig, PoolConfig
from stellwerk.agent.service import AgentService
from stellwerk.agent.subagent.service import SubagentService
from stellwerk.model import agent_commands as ac
from tests.agent.helpers import Controller, attached_order, one_job_workflow
from tests.agent.subagents.balancer import Balancer
from tests.agent.subagents.helpers import subagent_config
from tests.e2e.nodes import until
from tests.transport.pki import TestPki

# bench/pool.py runs this test with 1,000 orders and reads the summary it writes to STELLWERK_POOL_REPORT.
ORDERS = int(os.environ.get("STELLWERK_POOL_ORDERS", "200"))
# The test's jobs take a little time, so that the run outlasts the scaling on a fast machine too (with `true`,
# 200 orders were done before the members had joined); the bench runs `true` for throughput.
SCRIPT = os.environ.get("STELLWERK_POOL_SCRIPT", "sleep 0.05")
TOKEN = "pool-token"


class Pool:
    """In-process pool members, registered at the balancer while they run."""

    def __init__(self, folder: Path, pki: TestPki, balancer: Balancer) -> None:
        self._folder, self._pki, self._balancer = folder, pki, balancer
        self.members: dict[str, tuple[SubagentService, contextlib.AsyncExitStack]] = {}
        self.started: Counter[str] = Counter()

    async def add(self, subagent_id: str) -> None:
        config = subagent_config(self._folder, self._pki, subagent_id, pool="P", enrolment_token=TOKEN)
        stack = contextlib.AsyncExitStack()
        service = await stack.enter_async_context(SubagentService.start(config))
        self.members[subagent_id] = (service, stack)
        assert service._server is not None
        self._balancer.backends.append((service._server.host, service._server.port))

    async def drain(self, subagent_id: str) -> None:
        service, stack = self.members.pop(subagent_id)
        assert service._server is not None
        self._balancer.backends.remove((service._server.host, service._server.port))
        await service.drain()
        self.started[subagent_id] = service.processes_started
        await stack.aclose()

    def all_took_work(self) -> bool:
        return all(service.processes_started > 0 for service, _ in self.members.values())

    async def close(self) -> None:
        for subagent_id in list(self.members):
            service, stack = self.members.pop(subagent_id)
            self.started[subagent_id] = service.processes_started
            await stack.aclose()


def pool_members(agent: AgentService) -> list[str]:
    """The pool's members as the Agent lists them, draining ones included."""
    rows = agent.subagents()["subagents"]
    assert isinstance(rows, list)
    return sorted(row["subagentId"] for row in rows if row.get("pool") == "P")


@pytest.mark.timeout(120)
async def test_a_pool_scales_out_and_in_during_a_run_and_every_order_runs_once(
    tmp_path: Path, pki: TestPki, controller_ssl: object
) -> None:
    from stellwerk.transport.client import NodeClient, RetryPolicy
    from tests.agent.helpers import agent_config

    async with Balancer.start() as balancer:
        pool = PoolConfig(name="P", token=TOKEN, addresses=(balancer.url,))
        config: AgentConfig = agent_config(
            tmp_path / "agent",
            pki,
            pools=(pool,),
            subagent_heartbeat=0.1,
            subagent_timeout=2.0,
            pool_discovery=0.3,
        )
        members = Pool(tmp_path, pki, balancer)
        try:
            async with (
                AgentService.start(config) as agent,
                NodeClient(
                    agent.url,
                    ssl_context=controller_ssl,
                    retry=RetryPolicy(attempts=1),  # type: ignore[arg-type]
                ) as client,
            ):
                began = time.monotonic()
                controller = Controller(client)
                await controller.dedicate()
                await members.add("m1")
                await until(lambda: pool_members(agent) == ["m1"], 10, "m1 to join")

                flow = one_job_workflow(SCRIPT, subagentBundleIdExpr="'P'", processLimit=8)
                await controller.command(ac.AttachItem(item=flow))
                orders = [ac.AttachOrder(order=attached_order(f"o{n:04}", flow)) for n in range(ORDERS)]
                await controller.command(ac.Batch(commands=tuple(orders)))

                processed = lambda: sum(  # noqa: E731
                    1
                    for ev in controller.events
                    if ev["TYPE"] == "OrderProcessed" and ev["outcome"]["TYPE"] == "Succeeded"
                )
                await wait_reading(controller, lambda: processed() >= ORDERS // 4)
                for sid in ("m2", "m3", "m4"):
                    await members.add(sid)
                await until_reading(controller, lambda: pool_members(agent) == ["m1", "m2", "m3", "m4"])
                assert processed() < ORDERS, "the run ended before the pool scaled out: more orders needed"

                # Scale in once the new members have taken work and three quarters of the orders are done.
                await wait_reading(
                    controller, lambda: processed() >= ORDERS * 3 // 4 and members.all_took_work()
                )
                assert processed() < ORDERS, "the run ended before the pool scaled in: more orders needed"
                await asyncio.gather(*(members.drain(sid) for sid in ("m2", "m3", "m4")))
                await until_reading(controller, lambda: pool_members(agent) == ["m1"])

                await wait_reading(controller, lambda: processed() >= ORDERS, seconds=60)
                listing = agent.subagents()
                seconds = time.monotonic() - began
        finally:
            await members.close()

    # A member that began draining before the Director heard of it refuses new processes: such a process never
    # ran, its order gets ProcessLost{SubagentRefusedProcess} and starts again elsewhere. Every order ran once.
    processed = [ev for ev in controller.events if ev["TYPE"] == "OrderProcessed"]
    succeeded = Counter(ev["Key"] for ev in processed if ev["outcome"]["TYPE"] == "Succeeded")
    refused = [ev for ev in processed if ev["outcome"]["TYPE"] != "Succeeded"]
    assert len(succeeded) == ORDERS and set(succeeded.values()) == {1}
    assert all(ev["outcome"]["reason"]["problem"] == "SubagentRefusedProcess" for ev in refused), refused
    started = Counter(ev["Key"] for ev in controller.events if ev["TYPE"] == "OrderProcessingStarted")
    assert sum(started.values()) == ORDERS + len(refused)
    assert sum(members.started.values()) == ORDERS, members.started
    assert all(members.started[sid] > 0 for sid in ("m1", "m2", "m3", "m4")), members.started
    assert (listing["joined"], listing["left"]) == (4, 3)
    write_report({"orders": ORDERS, "seconds": round(seconds, 2), "refused": len(refused), **members.started})


def write_report(summary: dict[str, object]) -> None:
    report = os.environ.get("STELLWERK_POOL_REPORT")
    if report:
        Path(report).write_text(json.dumps(summary))


async def wait_reading(controller: Controller, condition: object, seconds: float = 30.0) -> None:
    assert callable(condition)
    async with asyncio.timeout(seconds):
        while not condition():
            await controller.read(0.1)


async def until_reading(controller: Controller, condition: object, seconds: float = 15.0) -> None:
    await wait_reading(controller, condition, seconds)
