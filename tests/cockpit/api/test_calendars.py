"""`/joc/api/calendar/dates` and `/joc/api/schedule/runtime` on a real Cockpit: dates of stored and posted
calendars, the starts of run-time settings, precise errors, permissions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.cockpit.api.joc import Joc
from tests.cockpit.api.schema import assert_valid


def store(joc: Joc, path: str, object_type: str, configuration: dict[str, Any]) -> None:
    joc.ok(
        "/joc/api/inventory/store", {"path": path, "objectType": object_type, "configuration": configuration}
    )


def store_calendars(joc: Joc) -> None:
    store(
        joc,
        "/cal/office",
        "WORKINGDAYSCALENDAR",
        {
            "includes": {"weekdays": [{"days": [1, 2, 3, 4, 5]}]},
            "excludes": {"dates": ["2026-06-02"], "nonWorkingDayCalendars": ["closed"]},
        },
    )
    store(joc, "/cal/closed", "NONWORKINGDAYSCALENDAR", {"includes": {"dates": ["2026-06-04"]}})
    store(joc, "/cal/bavaria", "NONWORKINGDAYSCALENDAR", {"includes": {"holidays": [{"nationalCalendar": "DE-BY"}]}})  # fmt: skip


def test_dates_of_a_stored_calendar_with_what_its_excludes_took_out(joc: Joc) -> None:
    store_calendars(joc)
    answer = joc.ok("/joc/api/calendar/dates", {"path": "/cal/office", "dateFrom": "2026-06-01", "dateTo": "2026-06-07"})  # fmt: skip
    assert_valid("calendar/dates-schema.json", answer)
    assert answer["dates"] == ["2026-06-01", "2026-06-03", "2026-06-05"]
    assert answer["withExcludes"] == ["2026-06-02", "2026-06-04"]
    holidays = joc.ok("/joc/api/calendar/dates", {"path": "/cal/bavaria", "dateFrom": "2026-10-01", "dateTo": "2026-11-30"})  # fmt: skip
    assert holidays["dates"] == ["2026-10-03", "2026-11-01"]


def test_dates_of_a_posted_calendar_and_precise_errors(joc: Joc) -> None:
    posted = {"calendar": {"type": "WORKINGDAYSCALENDAR", "includes": {"ultimos": [{"days": [1]}]}, "to": "2026-03-31"}}  # fmt: skip
    answer = joc.ok("/joc/api/calendar/dates", posted | {"dateFrom": "2026-01-01"})
    assert answer["dates"] == ["2026-01-31", "2026-02-28", "2026-03-31"]

    bad = joc.post("/joc/api/calendar/dates", {"calendar": {"includes": {"weekdays": [{"days": [8]}]}}})
    assert bad.error["code"] == "JOC-400"
    assert bad.status == 420 and "$.calendar: Invalid calendar: Expected `int` <= 6 - at `$.includes.weekdays[0].days[0]`" in bad.error["message"]  # fmt: skip
    backwards = joc.post(
        "/joc/api/calendar/dates", posted | {"dateFrom": "2026-05-01", "dateTo": "2026-04-01"}
    )
    assert backwards.status == 420 and "$.dateFrom" in backwards.error["message"]
    missing = joc.post("/joc/api/calendar/dates", {"path": "/nowhere"})
    assert missing.status == 420 and missing.error["code"] == "JOC-404"
    assert "No calendar /nowhere" in missing.error["message"]
    ancient = joc.post("/joc/api/calendar/dates", posted | {"dateFrom": "0001-01-01"})
    assert (
        ancient.status == 420 and "dates between 1900-01-01 and 2999-12-31 only" in ancient.error["message"]
    )
    neither = joc.post("/joc/api/calendar/dates", {"dateFrom": "2026-01-01"})
    assert "one of calendar, id or path is required" in neither.error["message"]


def test_runtime_of_periods_in_utc_by_date(joc: Joc) -> None:
    store_calendars(joc)
    body = {
        "timeZone": "Europe/Berlin",
        "dateFrom": "2026-06-01",
        "dateTo": "2026-06-05",
        "calendars": [
            {
                "calendarPath": "/cal/office",
                "periods": [
                    {"singleStart": "09:00:00", "whenHoliday": "NEXTNONWORKINGDAY"},
                    {"begin": "20:00", "end": "22:00", "repeat": "00:30"},
                ],
            }
        ],
        "nonWorkingDayCalendars": [{"calendarName": "bavaria"}],
    }
    answer = joc.ok("/joc/api/schedule/runtime", body)
    assert set(answer) == {"deliveryDate", "dates"}
    assert list(answer["dates"]) == [
        "2026-06-01",
        "2026-06-03",
        "2026-06-05",
    ]  # 06-04 is Corpus Christi: moved
    assert answer["dates"]["2026-06-01"]["periods"] == [
        {"singleStart": "2026-06-01T07:00:00Z"},
        {"begin": "2026-06-01T18:00:00Z", "end": "2026-06-01T20:00:00Z", "repeat": "00:30:00"},
    ]
    assert answer["dates"]["2026-06-05"]["periods"][0] == {"singleStart": "2026-06-05T07:00:00Z"}
    unknown = joc.post(
        "/joc/api/schedule/runtime", body | {"nonWorkingDayCalendars": [{"calendarName": "gone"}]}
    )
    assert unknown.status == 420
    assert "nonWorkingDayCalendars: Unknown calendar: 'gone'" in unknown.error["message"]
    bad = joc.post("/joc/api/schedule/runtime", body | {"timeZone": "Mars/Base"})
    assert (
        bad.status == 420 and "Unknown time zone: 'Mars/Base' - at `$.calendars[0]`" in bad.error["message"]
    )


def test_permissions(account: Callable[..., Joc]) -> None:
    nobody = account("nobody")
    assert nobody.post("/joc/api/calendar/dates", {"path": "/cal/office"}).status == 403
    assert nobody.post("/joc/api/schedule/runtime", {"calendars": [{"calendarName": "x", "periods": [{"singleStart": "01:00"}]}]}).status == 403  # fmt: skip
    viewer = account("viewer", permissions=("sos:products:joc:calendars:view",))
    answer = viewer.post("/joc/api/calendar/dates", {"calendar": {"includes": {"dates": ["2026-02-02"]}}, "dateFrom": "2026-01-01"})  # fmt: skip
    assert answer.status == 200 and answer.body["dates"] == ["2026-02-02"]
