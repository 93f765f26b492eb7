"""`/joc/api/events` and `/joc/api/events/sse` against a real Controller and Agent: a new order's snapshots
reach a waiting long-poll (which answers empty at its timeout otherwise) and an SSE stream; an account without
the workflow's folder does not see them; no token is a 401."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit, _add_account
from tests.cockpit.api.ctl.conftest import root
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.schema import assert_valid
from tests.cockpit.backends import run
from tests.e2e.nodes import add_orders, deploy, shell_job, workflow

EVENTS = "/joc/api/events"


def _deploy_and_add(controller: ControllerNodes, order_id: str) -> None:
    async def go() -> None:
        async with controller.client() as client:
            jobs = {"hello": shell_job("agentA", "exit 0")}
            await deploy(client, workflow("greet", [{"TYPE": "Execute.Named", "jobName": "hello"}], jobs))
            await add_orders(client, "greet", order_id)

    run(go)


def _valid(answer: dict[str, Any]) -> dict[str, Any]:
    """Checks the answer against event/event-schema.json. Its `workflow` refers to the Controller's
    workflowId schema, which tests/spec does not hold: that part is checked here (a path and a versionId)."""
    snapshots = []
    for snapshot in answer["eventSnapshots"]:
        workflow = snapshot.get("workflow")
        if workflow is not None:
            assert set(workflow) <= {"path", "versionId"} and workflow["path"].startswith("/")
            assert isinstance(workflow.get("versionId", ""), str)
        snapshots.append({k: v for k, v in snapshot.items() if k != "workflow"})
    assert_valid("event/event-schema.json", {**answer, "eventSnapshots": snapshots})
    return answer


def _sse_messages(cockpit: RunningCockpit, token: str, last_event_id: int, wanted: str) -> list[str]:
    """Reads the SSE stream (token in the query, as a browser does) until a message mentions `wanted`."""
    address = urlsplit(cockpit.url)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=30)
    try:
        headers = {"Last-Event-ID": str(last_event_id), "Accept": "text/event-stream"}
        connection.request("GET", f"{EVENTS}/sse?controllerId=e2e&accessToken={token}", headers=headers)
        with connection.getresponse() as response:
            assert response.status == 200
            assert response.getheader("Content-Type", "").startswith("text/event-stream")
            messages, lines = [], []
            while not any(wanted in message for message in messages):
                line = response.readline().decode()
                assert line, "the stream ended"
                if line == "\n":
                    messages.append("".join(lines))
                    lines = []
                else:
                    lines.append(line)
            return messages
    finally:
        connection.close()


def _polled_until(joc: Joc, event_id: int, wanted: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """The snapshots of successive long-polls after `event_id` up to the first `wanted` one; every answer
    before that time-out (30 s) must bring snapshots, since each poll answers when a batch arrives."""
    found: list[dict[str, Any]] = []
    for _ in range(20):
        answer = _valid(joc.ok(f"{EVENTS}?timeout=30", {"controllerId": "e2e", "eventId": event_id}))
        assert answer["eventSnapshots"] and answer["eventId"] > event_id, "answered only at its timeout"
        found += answer["eventSnapshots"]
        event_id = answer["eventId"]
        if any(wanted(s) for s in found):
            return found
    raise AssertionError(f"no wanted snapshot in {found}")


def _stranger(running: RunningCockpit) -> Joc:
    """An account of this Cockpit whose only folder is /elsewhere."""
    running.call(lambda c: _add_account(c, "stranger", "stranger-password", (), ("/elsewhere",)))
    client = Joc(running.url)
    assert client.login("stranger", "stranger-password").status == 200
    return client


def test_events_long_poll_and_sse_see_a_new_order(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = root(running)
    stranger = _stranger(running)

    assert joc.post(EVENTS, {"controllerId": "e2e"}, token="").status == 401
    assert Joc(running.url).post(f"{EVENTS}/sse?controllerId=e2e").status == 405
    unknown = joc.post(EVENTS, {"controllerId": "nope", "eventId": 1})
    assert (unknown.status, unknown.error["code"]) == (420, "JOC-404")
    bad = joc.post(EVENTS, {"controllerId": "e2e", "eventId": -1, "more": 1})
    assert bad.status == 420 and "$.eventId" in bad.error["message"] and "$.more" in bad.error["message"]

    current = _valid(joc.ok(EVENTS, {"controllerId": "e2e"}))
    assert current["eventSnapshots"] == [] and current["controllerId"] == "e2e"
    start = current["eventId"]
    too_old = _valid(joc.ok(EVENTS, {"controllerId": "e2e", "eventId": 1613396090}))
    assert too_old["eventId"] >= start and too_old["eventSnapshots"] == [], "an unknown eventId: reload"
    timed_out = _valid(joc.ok(f"{EVENTS}?timeout=0.2", {"controllerId": "e2e", "eventId": start}))
    assert timed_out["eventSnapshots"] == []

    def of_o1(snapshot: dict[str, Any]) -> bool:
        return snapshot["eventType"] == "WorkflowStateChanged" and snapshot.get("message") == "o1"

    with ThreadPoolExecutor(2) as pool:
        waiting = pool.submit(_polled_until, joc, start, of_o1)
        streamed = pool.submit(_sse_messages, running, joc.token or "", start, '"message":"o1"')
        _deploy_and_add(controller, "o1")
        snapshots = waiting.result(timeout=90)
        messages = streamed.result(timeout=90)

    [snapshot] = [s for s in snapshots if of_o1(s)][:1]
    assert (snapshot["objectType"], snapshot["path"], snapshot["workflow"]["path"]) == (
        "WORKFLOW",
        "/greet",
        "/greet",
    )
    assert snapshot["eventId"] > start
    order_message = next(m for m in messages if '"message":"o1"' in m)
    assert "event: WorkflowStateChanged\n" in order_message
    data = json.loads(order_message.split("data: ", 1)[1])
    assert data["workflow"]["path"] == "/greet" and data["eventId"] > start

    # The stranger's folders do not hold /greet: the order's snapshots are left out, History's are not.
    seen = _valid(stranger.ok(f"{EVENTS}?timeout=0.2", {"controllerId": "e2e", "eventId": start}))
    assert seen["eventSnapshots"], "the order's History snapshots are for everyone"
    assert all("path" not in s and "workflow" not in s for s in seen["eventSnapshots"])
