"""End to end: a Controller with real Agents (in-process, mutual TLS): orders go to the Agents and come back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stellwerk.controller.items import AddOrChange, UpdateItems
from stellwerk.model import commands as c
from stellwerk.model import events as ev
from stellwerk.model import order as o
from stellwerk.model.items import LockItem
from stellwerk.model.problems import Problem
from tests.controller.e2e import Nodes, controller, keyed_events, order_events
from tests.controller.support import controller_config, eventually, shell_job, workflow
from tests.transport.pki import TestPki


async def test_e1_one_job_runs_at_the_agent_and_the_order_comes_back(pki: TestPki, tmp_path: Path) -> None:
    nodes = Nodes(pki, tmp_path)
    async with nodes.agent("agentA") as agent:
        config = controller_config(pki, tmp_path / "controller", {"agentA": agent.url})
        async with controller(config) as service:
            w = workflow(
                "E1",
                [{"TYPE": "Execute.Named", "jobName": "hello"}],
                {"hello": shell_job("agentA", "echo hello\n")},
            )
            assert not isinstance(
                await service.update_items(UpdateItems(operations=(AddOrChange(item=w),))), Problem
            )
            await service.execute(c.AddOrder(order=c.FreshOrder(id="ex1", workflow_path="E1")))
            await eventually(lambda: isinstance(service.state.orders["ex1"].state, o.Finished))
            await service.core.durable()  # the live state may be ahead of the journal
            assert order_events(service, "ex1") == [
                "OrderAdded", "OrderAttachable", "OrderAttached", "OrderStarted", "OrderProcessingStarted",
                "OrderStdoutWritten", "OrderProcessed", "OrderMoved", "OrderDetachable", "OrderDetached",
                "OrderFinished",
            ]  # fmt: skip


E5_WORKFLOW: dict[str, Any] = {
    "instructions": [
        {"TYPE": "Fork", "joinIfFailed": False, "branches": [
            {"id": "a", "workflow": {"instructions": [{"TYPE": "Execute.Named", "jobName": "jobA"}], "result": {"aValue": "$x"}}},
            {"id": "b", "workflow": {"instructions": [{"TYPE": "Execute.Named", "jobName": "jobB"}]}},
        ]},
        {"TYPE": "Execute.Named", "jobName": "after"},
    ],
    "jobs": {
        "jobA": shell_job("agentA", 'echo "x=42" >> "$JS7_RETURN_VALUES"\n'),
        "jobB": shell_job("agentB", "exit 0\n"),
        "after": shell_job("agentA", 'echo "$AVAL"\n', env={"AVAL": "$aValue"}),
    },
}  # fmt: skip


async def test_e5_a_fork_across_two_agents_joins_at_the_controller(pki: TestPki, tmp_path: Path) -> None:
    nodes = Nodes(pki, tmp_path)
    async with nodes.agent("agentA") as agent_a, nodes.agent("agentB") as agent_b:
        agents = {"agentA": agent_a.url, "agentB": agent_b.url}
        async with controller(controller_config(pki, tmp_path / "controller", agents)) as service:
            w = workflow("E5", **E5_WORKFLOW)
            await service.update_items(UpdateItems(operations=(AddOrChange(item=w),)))
            await service.execute(c.AddOrder(order=c.FreshOrder(id="P", workflow_path="E5")))
            await eventually(lambda: isinstance(service.state.orders["P"].state, o.Finished))
            await service.core.durable()  # the live state may be ahead of the journal
            assert order_events(service, "P|b")[:3] == [
                "OrderAttachable",
                "OrderAttached",
                "OrderProcessingStarted",
            ]
            assert order_events(service, "P") == [
                "OrderAdded", "OrderStarted", "OrderForked", "OrderJoined", "OrderMoved", "OrderAttachable",
                "OrderAttached", "OrderProcessingStarted", "OrderStdoutWritten", "OrderProcessed", "OrderMoved",
                "OrderDetachable", "OrderDetached", "OrderFinished",
            ]  # fmt: skip
            stdout = [
                k.event
                for k in keyed_events(service)
                if k.key == "P" and isinstance(k.event, ev.OrderStdoutWritten)
            ]
            assert "".join(x.chunk for x in stdout) == "42\n"


async def test_e7_two_orders_compete_for_a_lock(pki: TestPki, tmp_path: Path) -> None:
    nodes = Nodes(pki, tmp_path)
    async with nodes.agent("agentA") as agent:
        async with controller(
            controller_config(pki, tmp_path / "controller", {"agentA": agent.url})
        ) as service:
            w = workflow("E7", [
                {"TYPE": "Lock", "demands": [{"lockPath": "L1"}], "lockedWorkflow": {"instructions": [
                    {"TYPE": "Execute.Named", "jobName": "crit"}]}},
            ], {"crit": shell_job("agentA", "sleep 0.3\n")})  # fmt: skip
            items = (AddOrChange(item=LockItem(path="L1")), AddOrChange(item=w))
            await service.update_items(UpdateItems(operations=items))
            await service.execute(c.AddOrder(order=c.FreshOrder(id="A", workflow_path="E7")))
            await service.execute(c.AddOrder(order=c.FreshOrder(id="B", workflow_path="E7")))
            await eventually(lambda: all(isinstance(service.state.orders[x].state, o.Finished) for x in "AB"))
            await service.core.durable()  # the live state may be ahead of the journal
            assert order_events(service, "B")[:3] == ["OrderAdded", "OrderStarted", "OrderLocksQueued"]
            sequence = [(k.key, type(k.event).__name__) for k in keyed_events(service) if k.key in "AB"]
            released = sequence.index(("A", "OrderLocksReleased"))
            assert sequence[released + 1 :].index(("B", "OrderLocksAcquired")) >= 0
            assert sequence.index(("B", "OrderLocksAcquired")) > released
