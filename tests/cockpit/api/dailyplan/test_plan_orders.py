"""`/joc/api/daily_plan/...` on a real Cockpit (every database backend): generating a plan date from the released
schedules (twice: the same orders), listing, selecting, deleting planned orders, precise errors, permissions, audit."""

from __future__ import annotations

from typing import Any

from tests.cockpit.api.joc import Joc
from tests.cockpit.api.schema import assert_valid

CONTROLLER = "plan-controller"
MONDAY, SATURDAY = "2026-06-01", "2026-06-06"


def store(joc: Joc, path: str, object_type: str, configuration: dict[str, Any]) -> None:
    joc.ok(
        "/joc/api/inventory/store", {"path": path, "objectType": object_type, "configuration": configuration}
    )


def release(joc: Joc, *refs: tuple[str, str]) -> None:
    joc.ok(
        "/joc/api/inventory/release", {"update": [{"path": path, "objectType": kind} for path, kind in refs]}
    )


def plan_inventory(joc: Joc, *, automatic: bool = True) -> None:
    """A weekday calendar and a schedule starting `greet` at 09:00 Berlin time and every half hour 10:00–11:00."""
    store(
        joc, "/cal/weekdays", "WORKINGDAYSCALENDAR", {"includes": {"weekdays": [{"days": [1, 2, 3, 4, 5]}]}}
    )
    store(joc, "/flows/greet", "WORKFLOW", {"instructions": []})
    schedule = {
        "workflowNames": ["greet"],
        "planOrderAutomatically": automatic,
        "calendars": [
            {
                "calendarName": "weekdays",
                "timeZone": "Europe/Berlin",
                "periods": [
                    {"singleStart": "09:00:00"},
                    {"begin": "10:00", "end": "11:00", "repeat": "00:30"},
                ],
            }
        ],
        "orderParameterisations": [{"orderName": "hi", "variables": {"name": "Ada"}}],
    }
    store(joc, "/plans/morning", "SCHEDULE", schedule)
    release(joc, ("/cal/weekdays", "WORKINGDAYSCALENDAR"), ("/plans/morning", "SCHEDULE"))


def generate(joc: Joc, *dates: str, **more: Any) -> None:
    joc.ok(
        "/joc/api/daily_plan/orders/generate",
        {"controllerId": CONTROLLER, "dailyPlanDates": list(dates), **more},
    )


def planned(joc: Joc, **filters: Any) -> list[dict[str, Any]]:
    answer = joc.ok("/joc/api/daily_plan/orders", {"dailyPlanDateFrom": MONDAY, **filters})
    assert_valid("orderManagement/dailyplan/plannedOrders-schema.json", answer)
    items: list[dict[str, Any]] = answer["plannedOrderItems"]
    return items


def test_generating_twice_plans_the_same_orders(joc: Joc) -> None:
    plan_inventory(joc)
    generate(joc, MONDAY, SATURDAY)
    first = planned(joc, dailyPlanDateTo=SATURDAY)
    generate(joc, MONDAY)
    generate(joc, MONDAY, overwrite=True)
    again = planned(joc, dailyPlanDateTo=SATURDAY)
    assert [item["orderId"] for item in first] == [item["orderId"] for item in again]
    assert [item["plannedStartTime"] for item in again] == [
        "2026-06-01T07:00:00.000Z",
        "2026-06-01T08:00:00.000Z",
        "2026-06-01T08:30:00.000Z",
    ]
    single, cyclic, _ = again
    assert single["orderId"].startswith("#2026-06-01#P") and single["orderId"].endswith("-hi")
    assert single["startMode"] == 0 and single["state"] == {"severity": 4, "_text": "PLANNED"}
    assert single["workflowPath"] == "/flows/greet" and single["schedulePath"] == "/plans/morning"
    assert single["orderName"] == "hi" and single["submitted"] is False and single["late"] is True
    assert cyclic["orderId"].startswith("#2026-06-01#C") and cyclic["startMode"] == 1
    assert cyclic["period"] == {
        "begin": "2026-06-01T08:00:00.000Z",
        "end": "2026-06-01T09:00:00.000Z",
        "repeat": 1800,
    }


def test_only_automatic_schedules_unless_asked_and_by_schedule_or_workflow(joc: Joc) -> None:
    plan_inventory(joc, automatic=False)
    generate(joc, MONDAY)
    assert planned(joc) == []
    generate(joc, MONDAY, includeNonAutoPlannedOrders=True, workflowPaths={"singles": ["/flows/other"]})
    assert planned(joc) == []
    generate(joc, MONDAY, includeNonAutoPlannedOrders=True, schedulePaths={"singles": ["/plans/morning"]})
    assert len(planned(joc)) == 3
    assert len(planned(joc, scheduleFolders=[{"folder": "/plans"}])) == 3
    assert planned(joc, workflowFolders=[{"folder": "/elsewhere"}]) == []
    assert planned(joc, states=["SUBMITTED"]) == []


def test_generating_and_projecting_by_folder_of_schedule_or_workflow(joc: Joc) -> None:
    plan_inventory(joc)
    generate(joc, MONDAY, schedulePaths={"folders": [{"folder": "/elsewhere"}]})
    generate(joc, MONDAY, workflowPaths={"folders": [{"folder": "/", "recursive": False}]})
    assert planned(joc) == [], "greet is in /flows, not in / itself"
    generate(joc, MONDAY, schedulePaths={"folders": [{"folder": "/plans"}]}, workflowPaths={"folders": [{"folder": "/"}]})  # fmt: skip
    assert len(planned(joc)) == 3
    week = {"dateFrom": MONDAY, "dateTo": "2026-06-07"}
    by_folder = joc.ok("/joc/api/daily_plan/projections/calendar", week | {"workflowFolders": [{"folder": "/flows"}]})  # fmt: skip
    assert by_folder["years"]["2026"]["2026-06"]["2026-06-02"] == {"planned": False, "numOfOrders": 3}
    by_path = joc.ok("/joc/api/daily_plan/projections/calendar", week | {"workflowPaths": ["/flows/other"]})
    assert by_path["years"] == {}


def test_deleting_planned_orders_and_the_audit_log(joc: Joc) -> None:
    plan_inventory(joc)
    generate(joc, MONDAY)
    first, *rest = planned(joc)
    joc.ok("/joc/api/daily_plan/orders/delete", {"controllerIds": [CONTROLLER], "dailyPlanDateFrom": MONDAY, "orderIds": [first["orderId"]]})  # fmt: skip
    assert [item["orderId"] for item in planned(joc)] == [item["orderId"] for item in rest]
    generate(joc, MONDAY)
    assert len(planned(joc)) == 3
    log = joc.ok("/joc/api/audit_log", {"categories": ["DAILYPLAN"]})
    requests = [entry["request"] for entry in log["auditLog"]]
    assert "./daily_plan/orders/delete" in requests and "./daily_plan/orders/generate" in requests


def test_copying_planned_orders_at_their_start_or_another(joc: Joc) -> None:
    plan_inventory(joc)
    generate(joc, MONDAY)
    single = planned(joc)[0]["orderId"]
    same = joc.ok("/joc/api/daily_plan/orders/copy", {"controllerId": CONTROLLER, "orderIds": [single]})
    assert_valid("order/orderIdMap-schema.json", same)
    again = joc.ok("/joc/api/daily_plan/orders/copy", {"controllerId": CONTROLLER, "orderIds": [single]})
    noon = {"scheduledFor": "2026-06-01 12:00", "timeZone": "Europe/Berlin", "forceJobAdmission": True}
    moved = joc.ok(
        "/joc/api/daily_plan/orders/copy", {"controllerId": CONTROLLER, "orderIds": [single], **noon}
    )
    copies = [same["orderIds"][single], again["orderIds"][single], moved["orderIds"][single]]
    assert copies == [f"{single[:22]}01-hi", f"{single[:22]}02-hi", "#2026-06-01#P30800000001-hi"]
    items = {item["orderId"]: item for item in planned(joc)}
    assert len(items) == 6 and set(copies) < set(items)
    assert items[copies[0]]["plannedStartTime"] == items[single]["plannedStartTime"]
    assert items[copies[2]]["plannedStartTime"] == "2026-06-01T10:00:00.000Z"
    assert {items[c]["state"]["_text"] for c in copies} == {"PLANNED"}
    assert items[copies[2]]["orderName"] == "hi" and items[copies[2]]["schedulePath"] == "/plans/morning"
    generate(joc, MONDAY)
    assert len(planned(joc)) == 6, "planning again neither duplicates nor drops the copies"
    unknown = joc.post("/joc/api/daily_plan/orders/copy", {"controllerId": CONTROLLER, "orderIds": ["#nope"]})
    assert unknown.status == 420 and "$.orderIds: not in the daily plan" in unknown.error["message"]
    cycle = joc.post("/joc/api/daily_plan/orders/copy", {"controllerId": CONTROLLER, "orderIds": [single], "cycle": {}})  # fmt: skip
    assert cycle.error["code"] == "JOC-501" and "$.cycle" in cycle.error["message"]


def test_precise_errors_change_nothing(joc: Joc) -> None:
    plan_inventory(joc)
    bad_date = joc.post("/joc/api/daily_plan/orders/generate", {"controllerId": CONTROLLER, "dailyPlanDates": ["2026-02-30"]})  # fmt: skip
    assert (
        bad_date.status == 420
        and "$.dailyPlanDates[0]: not a date: '2026-02-30'" in bad_date.error["message"]
    )
    no_dates = joc.post(
        "/joc/api/daily_plan/orders/generate", {"controllerId": CONTROLLER, "dailyPlanDates": []}
    )
    assert no_dates.status == 420 and "$.dailyPlanDates" in no_dates.error["message"]
    no_from = joc.post("/joc/api/daily_plan/orders", {})
    assert no_from.status == 420 and "$.dailyPlanDateFrom: required" in no_from.error["message"]
    bad_state = joc.post("/joc/api/daily_plan/orders", {"dailyPlanDateFrom": MONDAY, "states": ["LOST"]})
    assert bad_state.status == 420 and "$.states: unknown states LOST" in bad_state.error["message"]
    unknown = joc.post(
        "/joc/api/daily_plan/orders/modify", {"controllerId": CONTROLLER, "orderIds": ["#nope"]}
    )
    assert unknown.status == 420 and "$.orderIds: not in the daily plan" in unknown.error["message"]
    everything = joc.post("/joc/api/daily_plan/orders/delete", {"controllerIds": [CONTROLLER]})
    assert (
        everything.status == 420
        and "$: name the orders with dailyPlanDateFrom" in everything.error["message"]
    )
    assert planned(joc) == []


def test_permissions(joc: Joc, account: Any) -> None:
    plan_inventory(joc)
    viewer = account("viewer", permissions=("sos:products:joc:dailyPlan:view",))
    assert viewer.post("/joc/api/daily_plan/orders/generate", {"controllerId": CONTROLLER, "dailyPlanDates": [MONDAY]}).status == 403  # fmt: skip
    assert viewer.ok("/joc/api/daily_plan/orders", {"dailyPlanDateFrom": MONDAY})["plannedOrderItems"] == []
    stranger = account("stranger")
    assert stranger.post("/joc/api/daily_plan/orders", {"dailyPlanDateFrom": MONDAY}).status == 403


def test_projections_count_the_orders_of_each_date_and_show_which_are_planned(joc: Joc) -> None:
    plan_inventory(joc)
    generate(joc, MONDAY)
    week = {"dateFrom": MONDAY, "dateTo": "2026-06-07"}
    calendar = joc.ok("/joc/api/daily_plan/projections/calendar", week)
    assert_valid("dailyplan/projections/projections-calendar-response-schema.json", calendar)
    june = calendar["years"]["2026"]["2026-06"]
    assert sorted(june) == ["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05"]
    assert june["2026-06-01"] == {"planned": True, "numOfOrders": 3}
    assert june["2026-06-02"] == {"planned": False, "numOfOrders": 3}
    dates = joc.ok(
        "/joc/api/daily_plan/projections/dates", week | {"scheduleFolders": [{"folder": "/plans"}]}
    )
    assert_valid("dailyplan/projections/projections-calendar-response-schema.json", dates)
    assert dates["years"]["2026"]["2026-06"]["2026-06-05"]["periods"] == [
        {
            "schedule": "/plans/morning",
            "workflow": "greet",
            "scheduleOrderName": "hi",
            "period": {"singleStart": "09:00:00", "whenHoliday": "SUPPRESS"},
        },  # fmt: skip
        {
            "schedule": "/plans/morning",
            "workflow": "greet",
            "scheduleOrderName": "hi",
            "period": {"begin": "10:00", "end": "11:00", "repeat": "00:30", "whenHoliday": "SUPPRESS"},
        },  # fmt: skip
    ]
    elsewhere = joc.ok("/joc/api/daily_plan/projections/calendar", week | {"schedulePaths": ["/plans/other"]})
    assert elsewhere["years"] == {}
    too_long = joc.post(
        "/joc/api/daily_plan/projections/calendar", {"dateFrom": MONDAY, "dateTo": "2028-06-01"}
    )
    assert (
        too_long.status == 420
        and "$.dateTo: from $.dateFrom 2026-06-01 up to 366 days" in too_long.error["message"]
    )
