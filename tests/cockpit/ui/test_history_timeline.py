"""The History's timeline of a day: the day's runs as bars at their start (percent of the day) with their length,
coloured by outcome, a running one up to now; the outcome filter; an empty day; the folder limits and the
permission as in the History list."""

from __future__ import annotations

import re
from datetime import date

from stellwerk.cockpit.db.enums import HistoryState, OrderStateText
from stellwerk.cockpit.db.repositories.order_history import OrderHistory
from stellwerk.cockpit.ui.timeline import DAY_MS, bar, day_start
from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit, _add_account
from tests.cockpit.api.orders.conftest import T0, fill_history
from tests.cockpit.ui.test_session import Browser

BAR = re.compile(r'class="timeline-bar outcome-(\w+)"[^>]*data-left="([\d.]+)" data-width="([\d.]+)"')


def _row(start: int, end: int | None, severity: HistoryState) -> OrderHistory:
    return OrderHistory(
        history_id=1, controller_id="c", order_id="o", workflow_path="/w", workflow_name="w", workflow_folder="/",
        workflow_version_id="v", parent_id=None, state=OrderStateText.FINISHED, severity=severity,
        start_time=start, end_time=end, planned_time=None, plan_date=None, position="0", arguments=None,
        error_text=None, start_event_id=1, modified=0,
    )  # fmt: skip


def test_a_bar_lies_where_the_run_lies_on_the_day() -> None:
    start = day_start(date(2026, 1, 1))
    assert start == T0
    noon_hour = _row(start + DAY_MS // 2, start + DAY_MS // 2 + 3_600_000, HistoryState.SUCCESSFUL)
    assert bar(noon_hour, start, start + DAY_MS) == bar(noon_hour, start, 0)  # a finished run ignores now
    placed = bar(noon_hour, start, 0)
    assert (placed["left"], placed["width"], placed["outcome"]) == (50.0, round(100 / 24, 3), "SUCCESSFUL")
    late = bar(_row(start + DAY_MS - 60_000, None, HistoryState.INCOMPLETE), start, start + 2 * DAY_MS)
    assert late["running"] and late["left"] + late["width"] <= 100  # cut at the day's end
    short = bar(_row(start, start + 10, HistoryState.FAILED), start, 0)
    assert short["width"] == 0.15  # still visible


def test_the_timeline_of_a_day(controller_cockpit: tuple[RunningCockpit, ControllerNodes]) -> None:
    running, controller = controller_cockpit
    running.call(lambda cockpit: fill_history(cockpit, controller.controller_id))
    root = Browser(running.url)
    assert root.log_in("root", ADMIN_PASSWORD)[0] == 303
    assert "/ui/history/timeline?controller=e2e" in root.request("/ui/history?controller=e2e")[1]
    status, html = root.request("/ui/history/timeline?controller=e2e&day=2026-01-01")
    assert status == 200, html
    bars = {outcome: (float(left), float(width)) for outcome, left, width in BAR.findall(html)}
    assert set(bars) == {"SUCCESSFUL", "FAILED", "RUNNING"}
    assert bars["SUCCESSFUL"][0] == 0.0 and bars["FAILED"][0] == round(60_000 / DAY_MS * 100, 3)
    assert 'rel="prev"' in html and "2025-12-31" in html and "2026-01-02" in html

    failed_only = root.request("/ui/history/timeline?controller=e2e&day=2026-01-01&state=FAILED")[1]
    assert [outcome for outcome, _, _ in BAR.findall(failed_only)] == ["FAILED"]
    empty = root.request("/ui/history/timeline?controller=e2e&day=2026-01-02")[1]
    assert BAR.findall(empty) == [] and "No order started on this day" in empty
    assert root.request("/ui/history/timeline?controller=e2e&day=yesterday")[0] == 400

    running.call(
        lambda c: _add_account(
            c,
            "fenced",
            "fenced-password",
            ("sos:products:controller:view", "sos:products:controller:orders:view"),
            ("/b",),
        )
    )
    fenced = Browser(running.url)
    assert fenced.log_in("fenced", "fenced-password")[0] == 303
    seen = fenced.request("/ui/history/timeline?controller=e2e&day=2026-01-01")[1]
    assert [outcome for outcome, _, _ in BAR.findall(seen)] == ["RUNNING"]  # only /b/run
    running.call(
        lambda c: _add_account(c, "nobody", "nobody-password", ("sos:products:controller:view",), ())
    )
    nobody = Browser(running.url)
    assert nobody.log_in("nobody", "nobody-password")[0] == 303
    assert nobody.request("/ui/history/timeline?controller=e2e&day=2026-01-01")[0] == 403
