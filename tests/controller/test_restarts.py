"""End to end across restarts: the Agent finishes attached orders while the Controller is down, and the
Controller resumes coupling when the Agent comes back. Nothing is lost, nothing runs twice."""

from __future__ import annotations

import contextlib
from pathlib import Path

from msgspec.structs import replace

from stellwerk.agent.service import AgentService
from stellwerk.controller.items import AddOrChange, UpdateItems
from stellwerk.journal.format import parse_segment
from stellwerk.journal.segments import SegmentDirectory
from stellwerk.model import commands as c
from stellwerk.model import order as o
from stellwerk.model.problems import Problem
from tests.controller.e2e import Nodes, controller, order_events
from tests.controller.support import controller_config, eventually, shell_job, workflow
from tests.transport.pki import TestPki

ORDERS = 20


def counting_workflow(count_file: Path) -> UpdateItems:
    job = shell_job("agentA", f"sleep 0.2\necho run >> '{count_file}'\n")
    w = workflow("W", [{"TYPE": "Execute.Named", "jobName": "count"}], {"count": job})
    return UpdateItems(operations=(AddOrChange(item=w),))


def finished(service_state_orders: dict[str, o.Order], ids: list[str]) -> bool:
    return all(
        i in service_state_orders and isinstance(service_state_orders[i].state, o.Finished) for i in ids
    )


async def test_the_agent_finishes_orders_while_the_controller_is_down(pki: TestPki, tmp_path: Path) -> None:
    nodes = Nodes(pki, tmp_path)
    count_file = tmp_path / "runs.txt"
    ids = [f"order-{n:02}" for n in range(ORDERS)]
    async with nodes.agent("agentA") as agent:
        config = controller_config(pki, tmp_path / "controller", {"agentA": agent.url})
        async with controller(config) as service:
            await service.update_items(counting_workflow(count_file))
            orders = tuple(c.FreshOrder(id=i, workflow_path="W") for i in ids)
            await service.execute(c.AddOrders(orders=orders))
            await eventually(lambda: all(i in agent.state.orders for i in ids))
        # The Controller is down: the Agent runs every order up to where it needs the Controller.
        await eventually(lambda: count_file.exists() and len(count_file.read_text().split()) == ORDERS)
        await eventually(
            lambda: all(agent.state.orders[i].attached_state == o.Detaching(agent_path="agentA") for i in ids)
        )
        async with controller(config) as service:
            await eventually(lambda: finished(service.state.orders, ids))
            await service.core.durable()  # the live state may be ahead of the journal
            assert all(len(service.state.orders[i].historic_outcomes) == 1 for i in ids)
            await eventually(lambda: not agent.state.orders)
    assert len(count_file.read_text().split()) == ORDERS


async def test_coupling_resumes_after_an_agent_restart(pki: TestPki, tmp_path: Path) -> None:
    nodes = Nodes(pki, tmp_path)
    count_file = tmp_path / "runs.txt"
    config_a = nodes.agent_config("agentA")
    async with contextlib.AsyncExitStack() as first_run:
        agent = await first_run.enter_async_context(AgentService.start(config_a))
        config = controller_config(pki, tmp_path / "controller", {"agentA": agent.url})
        async with controller(config) as service:
            await service.update_items(counting_workflow(count_file))
            await service.execute(c.AddOrder(order=c.FreshOrder(id="first", workflow_path="W")))
            await eventually(lambda: finished(service.state.orders, ["first"]))
            await service.core.durable()  # the live state may be ahead of the journal
            await first_run.aclose()  # the Agent stops
            await eventually(lambda: not service.drivers["agentA"].coupled)
            await service.execute(c.AddOrder(order=c.FreshOrder(id="second", workflow_path="W")))
            assert service.state.orders["second"].attached_state == o.Attaching(agent_path="agentA")
            same_port = replace(config_a, port=int(agent.url.rsplit(":", 1)[1]))
            async with AgentService.start(same_port) as restarted:
                await eventually(lambda: finished(service.state.orders, ["second"]))
                await service.core.durable()  # the live state may be ahead of the journal
                assert service.drivers["agentA"].coupled
                assert service.state.agents["agentA"].coupling_problem is None
                await eventually(lambda: not restarted.state.orders)
            assert order_events(service, "second").count("OrderAttached") == 1
            assert order_events(service, "first").count("OrderFinished") == 1
    assert len(count_file.read_text().split()) == 2


async def test_an_orderly_stop_ends_with_a_snapshot_and_the_restart_reads_no_events(
    pki: TestPki, tmp_path: Path
) -> None:
    config = controller_config(pki, tmp_path / "controller")
    tomorrow = 4_000_000_000_000
    async with controller(config) as service:
        await service.update_items(counting_workflow(tmp_path / "runs.txt"))
        orders = tuple(c.FreshOrder(id=f"o{n}", workflow_path="W", scheduled_for=tomorrow) for n in range(3))
        await service.execute(c.AddOrders(orders=orders))
        before = service.state.orders
    newest = SegmentDirectory(config.data_directory, "controller").segments()[-1]
    parsed = parse_segment(newest.path.read_bytes())
    assert not isinstance(parsed, Problem)
    assert parsed.transactions == ()
    assert parsed.header.event_id > 0
    async with controller(config) as service:
        assert service.state.orders == before
    # Nothing happened since: no second snapshot.
    assert SegmentDirectory(config.data_directory, "controller").segments()[-1] == newest
