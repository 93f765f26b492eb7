"""Workflow controls between a Controller and a real Agent (in-process, mutual TLS): the Agent gets the controls
with the workflow and honours them while the Controller is down (a skipped job is passed, a suspended workflow's
order waits), and learns of a change (resumed) when the Controller is back."""

from __future__ import annotations

import time
from pathlib import Path

from stellwerk.controller.items import AddOrChange, UpdateItems
from stellwerk.journal.event_log import EventLog
from stellwerk.model import commands as c
from stellwerk.model import events as ev
from stellwerk.model import order as o
from stellwerk.model.problems import Problem
from tests.controller.e2e import Nodes, controller
from tests.controller.support import controller_config, eventually, shell_job, workflow
from tests.transport.pki import TestPki


def two_jobs(path: str, marks: Path) -> UpdateItems:
    jobs = {name: shell_job("agentA", f"echo {path}-{name} >> '{marks}'\n") for name in ("one", "two")}
    steps = [{"TYPE": "Execute.Named", "jobName": name, "label": name} for name in jobs]
    return UpdateItems(operations=(AddOrChange(item=workflow(path, steps, jobs)),))


def ran(marks: Path) -> list[str]:
    return marks.read_text().split() if marks.exists() else []


async def test_the_agent_honours_the_controls_while_the_controller_is_down(
    pki: TestPki, tmp_path: Path
) -> None:
    nodes = Nodes(pki, tmp_path)
    marks = tmp_path / "ran.txt"
    async with nodes.agent("agentA") as agent:
        config = controller_config(pki, tmp_path / "controller", {"agentA": agent.url})
        async with controller(config) as service:
            await service.update_items(two_jobs("SKIP", marks))
            await service.update_items(two_jobs("HOLD", marks))
            await service.execute(c.ControlWorkflowPath(workflow_path="SKIP", skip={"two": True}))
            later = int(time.time() * 1000) + 2000  # both start when the Controller is down
            for order_id, path in (("skips", "SKIP"), ("held", "HOLD")):
                fresh = c.FreshOrder(id=order_id, workflow_path=path, scheduled_for=later)
                await service.execute(c.AddOrder(order=fresh))
            await eventually(lambda: {"skips", "held"} <= set(agent.state.orders))
            # Suspended while its order is at the Agent: the Controller sends the change there.
            await service.execute(c.ControlWorkflowPath(workflow_path="HOLD", suspend=True))
            hold = agent.state.workflow_path_controls
            await eventually(lambda: "HOLD" in hold and hold["HOLD"].suspended)
            assert agent.state.workflow_path_controls["SKIP"].skip == ("two",)
        await eventually(
            lambda: agent.state.orders["skips"].attached_state == o.Detaching(agent_path="agentA")
        )
        assert ran(marks) == ["SKIP-one"], "job two skipped, the suspended workflow's order held"
        assert isinstance(agent.state.orders["held"].state, o.Fresh)
        async with controller(config) as service:
            await eventually(lambda: isinstance(service.state.orders["skips"].state, o.Finished))
            await service.execute(c.ControlWorkflowPath(workflow_path="HOLD", suspend=False))
            await eventually(lambda: isinstance(service.state.orders["held"].state, o.Finished))
            await service.core.durable()
            skipped = ev.OrderMoved(to=(2,), reason=ev.SkippedDueToWorkflowPathControl())
            journaled = await EventLog(service.core.journal, config.data_directory, "controller").after(
                0, 10_000
            )
            assert not isinstance(journaled, Problem)
            assert ev.KeyedEvent("skips", skipped) in [stamped.keyed for stamped in journaled]
    assert ran(marks) == ["SKIP-one", "HOLD-one", "HOLD-two"]
