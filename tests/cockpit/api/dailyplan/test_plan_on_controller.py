"""The Daily Plan with a real Controller and Agent: orders planned for today a few seconds ahead are submitted,
start at their planned times (not before), finish, and the history shows them; a submitted order is cancelled at
the Controller (and planned again), modified and deleted."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit
from tests.cockpit.api.dailyplan.test_plan_orders import release, store
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.orders.conftest import GREET, deploy
from tests.cockpit.api.schema import assert_valid

LEAD_SECONDS = 10  # time to store, release, generate and submit on a busy machine


def hhmmss(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S")


def wait_until(condition: Callable[[], Any], seconds: float = 60.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not so within {seconds} s")


def gone(joc: Joc, controller_id: str, order_id: str) -> bool:
    return joc.post("/joc/api/order", {"controllerId": controller_id, "orderId": order_id}).status != 200


def greeting(running: RunningCockpit, controller: ControllerNodes) -> Joc:
    """A logged-in client of the Cockpit, whose Controller has the workflow `greet`."""
    joc = Joc(running.url)
    assert joc.login("root", ADMIN_PASSWORD).status == 200
    deploy(running, controller, GREET)
    return joc


def test_planned_orders_start_on_time_finish_and_are_in_the_history(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = greeting(running, controller)
    now = datetime.now(UTC).replace(microsecond=0)
    soon, sooner_still = now + timedelta(seconds=LEAD_SECONDS), now + timedelta(seconds=LEAD_SECONDS + 2)
    late_tonight = now.replace(hour=23, minute=59, second=59)
    today = now.date().isoformat()
    every_day = {"includes": {"weekdays": [{"days": [0, 1, 2, 3, 4, 5, 6]}]}}
    store(joc, "/cal/every-day", "WORKINGDAYSCALENDAR", every_day)
    periods = [{"singleStart": hhmmss(moment)} for moment in (soon, sooner_still, late_tonight)]
    schedule = {
        "workflowNames": ["greet"],
        "planOrderAutomatically": True,
        "calendars": [{"calendarName": "every-day", "timeZone": "Etc/UTC", "periods": periods}],
        "orderParameterisations": [{"variables": {"name": "Ada"}}],
    }
    store(joc, "/plans/soon", "SCHEDULE", schedule)
    release(joc, ("/cal/every-day", "WORKINGDAYSCALENDAR"), ("/plans/soon", "SCHEDULE"))
    cid = controller.controller_id

    joc.ok("/joc/api/daily_plan/orders/generate", {"controllerId": cid, "dailyPlanDates": [today]})
    joc.ok("/joc/api/daily_plan/orders/submit", {"controllerIds": [cid], "dailyPlanDateFrom": today})

    def items() -> list[dict[str, Any]]:
        answer = joc.ok("/joc/api/daily_plan/orders", {"dailyPlanDateFrom": today})
        assert_valid("orderManagement/dailyplan/plannedOrders-schema.json", answer)
        return list(answer["plannedOrderItems"])

    submitted = items()
    assert [item["state"]["_text"] for item in submitted] == ["SUBMITTED"] * 3
    first, second, tonight = submitted
    finished = wait_until(lambda: (done := [i for i in items() if i["state"]["_text"] == "FINISHED"]) and len(done) == 2 and done)  # fmt: skip
    assert [item["orderId"] for item in finished] == [first["orderId"], second["orderId"]]
    for item in finished:
        assert item["startTime"] >= item["plannedStartTime"] and item["endTime"] >= item["startTime"]
        assert item["late"] is False and "historyId" in item

    history = joc.ok("/joc/api/orders/history", {"controllerId": cid})["history"]
    by_id = {entry["orderId"]: entry for entry in history}
    assert by_id[first["orderId"]]["plannedTime"] == first["plannedStartTime"]
    assert by_id[first["orderId"]]["state"]["_text"] == "SUCCESSFUL"
    assert first["orderId"].startswith(f"#{today}#P")

    ran = joc.post("/joc/api/daily_plan/orders/modify", {"controllerId": cid, "orderIds": [first["orderId"]], "variables": {"name": "Eve"}})  # fmt: skip
    assert ran.error["code"] == "JOC-409" and f"{first['orderId']} ran already" in ran.error["message"]

    joc.ok("/joc/api/daily_plan/orders/cancel", {"controllerIds": [cid], "dailyPlanDateFrom": today, "orderIds": [tonight["orderId"]]})  # fmt: skip
    wait_until(lambda: gone(joc, cid, tonight["orderId"]))
    assert [i["state"]["_text"] for i in items() if i["orderId"] == tonight["orderId"]] == ["PLANNED"]

    joc.ok("/joc/api/daily_plan/orders/submit", {"controllerIds": [cid], "dailyPlanDateFrom": today, "orderIds": [tonight["orderId"]]})  # fmt: skip
    moved = late_tonight - timedelta(minutes=1)
    renamed = joc.ok(
        "/joc/api/daily_plan/orders/modify",
        {
            "controllerId": cid,
            "orderIds": [tonight["orderId"]],
            "scheduledFor": moved.strftime("%Y-%m-%d %H:%M:%S"),
            "timeZone": "Etc/UTC",
            "variables": {"name": "Bob"},
        },  # fmt: skip
    )["orderIds"]
    new_id = renamed[tonight["orderId"]]
    at_controller = joc.ok("/joc/api/order", {"controllerId": cid, "orderId": new_id})
    assert at_controller["arguments"] == {"name": "Bob"}
    assert at_controller["scheduledFor"] == int(moved.timestamp() * 1000)

    joc.ok("/joc/api/daily_plan/orders/delete", {"controllerIds": [cid], "dailyPlanDateFrom": today, "orderIds": [new_id]})  # fmt: skip
    wait_until(lambda: gone(joc, cid, new_id))
    assert [i["orderId"] for i in items()] == [first["orderId"], second["orderId"]]
    submissions = joc.ok(
        "/joc/api/daily_plan/submissions", {"controllerId": cid, "filter": {"dateTo": today}}
    )
    assert_valid("dailyplan/submissions/submissions-response-schema.json", submissions)
    assert len(submissions["submissionHistoryItems"]) == 3
    finished = joc.ok("/joc/api/daily_plan/orders", {"dailyPlanDateFrom": today, "states": ["FINISHED"]})
    assert [item["orderId"] for item in finished["plannedOrderItems"]] == [
        first["orderId"],
        second["orderId"],
    ]

    joc.ok("/joc/api/daily_plan/submissions/delete", {"controllerId": cid, "filter": {"dateFor": today}})
    after = joc.ok("/joc/api/daily_plan/submissions", {"controllerId": cid, "filter": {"dateTo": today}})
    assert after["submissionHistoryItems"] == [] and items() == []
