"""An order that has left its Controller opens from the history: its latest run's outcome, times and position,
with the same live timeline and log; its folder permission still applies, and an unknown id stays unknown."""

from __future__ import annotations

from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit, _add_account
from tests.cockpit.api.orders.conftest import fill_history
from tests.cockpit.ui.test_session import Browser

VIEW = "sos:products:controller:orders:view"


def test_a_finished_order_opens_from_its_history(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    running.call(lambda cockpit: fill_history(cockpit, controller.controller_id))
    browser = Browser(running.url)
    assert browser.log_in("root", ADMIN_PASSWORD) == (303, "/ui/")

    status, failed = browser.request("/ui/order?controller=e2e&id=%232026-01-01%23T2-bad")
    assert status == 200, failed
    assert 'data-run-state="FAILED"' in failed and "/a/bad" in failed
    assert "live/order?controller=e2e&id=%232026-01-01%23T2-bad" in failed  # the log follows as for any order
    assert 'href="/ui/logs/order?controller=e2e&order=%232026-01-01%23T2-bad"' in failed  # earlier lines
    download = "/ui/logs/order/download?controller=e2e&order=%232026-01-01%23T2-bad"
    assert f'href="{download}"' in failed
    stamp = "2026-01-01 00:00:00.000+0000"
    whole = [f"{stamp} {event} 0" for event in ("OrderStarted", "OrderLockAcquired", "OrderFinished")]
    assert browser.request(download) == (200, "\n".join(["hello", *whole]) + "\n")
    status, finished = browser.request("/ui/order?controller=e2e&id=%232026-01-01%23T1-ok")
    assert status == 200 and 'data-run-state="FINISHED"' in finished

    assert browser.request("/ui/order?controller=e2e&id=never-there")[0] == 404

    running.call(lambda cockpit: _add_account(cockpit, "fenced", "fenced-password", (VIEW,), ("/b",)))
    fenced = Browser(running.url)
    assert fenced.log_in("fenced", "fenced-password")[0] == 303
    assert fenced.request("/ui/order?controller=e2e&id=%232026-01-01%23T2-bad")[0] == 403
    status, running_run = fenced.request("/ui/order?controller=e2e&id=%232026-01-01%23T3-run")
    assert status == 200 and 'data-run-state="INPROGRESS"' in running_run
