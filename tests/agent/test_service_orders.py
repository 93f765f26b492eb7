"""A real Agent runs attached orders, driven over mutual TLS as a Controller would."""

from __future__ import annotations

from pathlib import Path

from stellwerk.agent.service import AgentService
from stellwerk.model import agent_commands as ac
from stellwerk.model import order as o
from stellwerk.model.items import AgentRef
from tests.agent.helpers import (
    AGENT,
    Controller,
    attached_order,
    execute,
    is_type,
    one_job_workflow,
    shell_job,
    workflow,
)


async def test_an_attached_order_runs_its_job_and_is_detached_on_request(
    agent: AgentService, controller: Controller
) -> None:
    flow = one_job_workflow("echo hello")
    batch = ac.Batch(commands=(ac.AttachItem(item=flow), ac.AttachOrder(order=attached_order("A", flow))))
    answer = await controller.command(batch)
    assert answer == ac.BatchResponse(responses=(ac.Accepted(), ac.Accepted()))

    await controller.wait_for_type("A", "OrderDetachable")
    assert controller.types_of("A") == [
        "OrderAttachedToAgent",
        "OrderStarted",
        "OrderProcessingStarted",
        "OrderStdoutWritten",
        "OrderProcessed",
        "OrderMoved",
        "OrderDetachable",
    ]
    stdout = next(ev for ev in controller.events if ev["TYPE"] == "OrderStdoutWritten")
    assert stdout["chunk"] == "hello\n"
    first = controller.events[0]
    assert (first["Key"], first["TYPE"], first["item"]["path"]) == ("", "ItemAttachedToMe", "W")
    assert first["eventId"] > 0

    assert await controller.command(ac.AttachOrder(order=attached_order("A", flow))) == ac.Accepted()
    assert await controller.command(ac.DetachOrder(order_id="A")) == ac.Accepted()
    await controller.wait_for_type("A", "OrderDetached")
    assert "A" not in agent.state.orders
    assert await controller.command(ac.DetachOrder(order_id="A")) == ac.Accepted()
    assert await controller.read(poll_seconds=0.1) == []


async def test_a_duplicate_attach_order_is_ignored(agent: AgentService, controller: Controller) -> None:
    flow = one_job_workflow("exit 0")
    await controller.command(ac.AttachItem(item=flow))
    await controller.command(ac.AttachOrder(order=attached_order("A", flow)))
    again = attached_order("A", flow, arguments={"changed": "yes"})
    assert await controller.command(ac.AttachOrder(order=again)) == ac.Accepted()
    await controller.wait_for_type("A", "OrderDetachable")
    assert controller.types_of("A").count("OrderAttachedToAgent") == 1
    assert agent.state.orders["A"].arguments == {}


async def test_an_order_for_another_agent_or_an_unknown_workflow_is_refused(controller: Controller) -> None:
    flow = one_job_workflow("exit 0")
    elsewhere = attached_order("A", flow, attached_state=o.Attached(agent_path="agentB"))
    refused = await controller.command(ac.AttachOrder(order=elsewhere))
    assert isinstance(refused, ac.Rejected) and "not attached to Agent 'agentA'" in refused.message
    unknown = await controller.command(ac.AttachOrder(order=attached_order("A", flow)))
    assert isinstance(unknown, ac.Rejected) and "Unknown workflow" in unknown.message


async def test_cancel_with_kill_kills_the_running_process(
    agent: AgentService, controller: Controller
) -> None:
    flow = one_job_workflow("sleep 30")
    await controller.command(ac.AttachItem(item=flow))
    await controller.command(ac.AttachOrder(order=attached_order("A", flow)))
    await controller.wait_for_type("A", "OrderProcessingStarted")

    kill = o.Cancelling(mode=o.FreshOrStarted(kill=o.Kill(immediately=True)))
    assert await controller.command(ac.MarkOrder(order_id="A", mark=kill)) == ac.Accepted()
    processed = await controller.wait_for_type("A", "OrderProcessed", seconds=5)
    assert processed["outcome"]["TYPE"] == "Killed"
    await controller.wait_for_type("A", "OrderDetachable", seconds=5)
    assert controller.types_of("A")[-4:] == [
        "OrderCancellationMarked",
        "OrderProcessed",
        "OrderProcessingKilled",
        "OrderDetachable",
    ]
    assert await controller.command(ac.MarkOrder(order_id="A", mark=kill)) == ac.Accepted()


async def test_retry_in_a_catch_and_a_sleep_run_on_the_agent_alone(
    agent: AgentService, controller: Controller, tmp_path: Path
) -> None:
    marker = tmp_path / "failed-once"
    script = f'if [ -e "{marker}" ]; then exit 0; fi; touch "{marker}"; exit 1'
    try_retry = {
        "TYPE": "Try",
        "try": {"instructions": [execute("job")]},
        "catch": {"instructions": [{"TYPE": "Retry"}]},
        "maxTries": 3,
    }
    flow = workflow("R", [try_retry, {"TYPE": "Sleep", "duration": "0.2"}], {"job": shell_job(script)})
    await controller.command(
        ac.Batch(commands=(ac.AttachItem(item=flow), ac.AttachOrder(order=attached_order("A", flow))))
    )

    await controller.wait_for_type("A", "OrderDetachable")
    types = controller.types_of("A")
    assert types.count("OrderProcessingStarted") == 2
    for expected in ("OrderCaught", "OrderRetrying", "OrderSleeping"):
        assert expected in types
    order = agent.state.orders["A"]
    assert order.position == (2,)
    assert isinstance(order.attached_state, o.Detaching)


async def test_the_agent_process_limit_lets_one_process_run_at_a_time(
    agent: AgentService, controller: Controller
) -> None:
    flow = one_job_workflow("sleep 0.2", processLimit=5)
    await controller.command(ac.AttachItem(item=AgentRef(path=AGENT, process_limit=1)))
    await controller.command(ac.AttachItem(item=flow))
    orders = tuple(ac.AttachOrder(order=attached_order(name, flow)) for name in ("A", "B", "C"))
    await controller.command(ac.Batch(commands=orders))
    for name in ("A", "B", "C"):
        await controller.wait_for(is_type("OrderDetachable", name))
    running = 0
    for event in controller.events:
        if event["TYPE"] == "OrderProcessingStarted":
            running += 1
        elif event["TYPE"] == "OrderProcessed":
            running -= 1
        assert running <= 1
