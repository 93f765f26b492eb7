"""The Cockpit's view of a Controller's orders: taken once, then kept by applying the Controller's events, it
equals the Controller's own orders after a run with forks, joins, jobs, sleeps, prompts, suspensions and
deletions — from the History service's batches alone, and again after the proxy was replaced (a reconnect)."""

from __future__ import annotations

import time
from typing import Any

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.services.order_view import OrderView, apply_to_orders
from stellwerk.cockpit.services.orders import decode_orders
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.workflow import WorkflowId
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit, _register
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.orders.conftest import AGENT, ASKER, GREET, POLL_STEP, deploy
from tests.e2e.nodes import shell_job, workflow

CID = "e2e"

BUSY = workflow(
    "busy",
    [
        {
            "TYPE": "Fork",
            "branches": [
                {"id": "a", "workflow": {"instructions": [{"TYPE": "Execute.Named", "jobName": "echo"}]}},
                {"id": "b", "workflow": {"instructions": [{"TYPE": "Sleep", "duration": "0.1"}]}},
            ],
        },
        {"TYPE": "Execute.Named", "jobName": "echo"},
        {"TYPE": "Sleep", "duration": "0.1"},
    ],
    {"echo": shell_job(AGENT, "echo busy")},
)


def _add(joc: Joc, workflow_path: str, **order: Any) -> str:
    body = {"controllerId": CID, "orders": [{"workflowPath": workflow_path, **order}]}
    [order_id] = joc.ok("/joc/api/orders/add", body)["orderIds"]
    return str(order_id)


def _listed(joc: Joc) -> set[str]:
    return {order["orderId"] for order in joc.ok("/joc/api/orders", {"controllerId": CID})["orders"]}


def _until(seconds: float, check: Any) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not so after {seconds} s"
        time.sleep(POLL_STEP)


def _view(cockpit: Cockpit) -> OrderView:
    view = cockpit.order_views.get(CID)
    assert view is not None
    return view


async def _kept_and_controllers(cockpit: Cockpit) -> tuple[list[o.Order] | None, list[o.Order], int]:
    """The view's orders as kept (no catching up), the Controller's orders, and how many EventIds the view is
    behind them (both read in one turn of the loop, once the Controller answered)."""
    event_id, raw = await cockpit.proxies.get(CID).order_snapshot()
    view = _view(cockpit)
    kept = view.kept()
    return (None if kept is None else list(kept.values())), decode_orders(raw), event_id - view.event_id


def _view_equals_the_controllers(running: RunningCockpit, seconds: float = 30.0) -> None:
    """Until the view, fed by History alone, has the Controller's orders (it may be behind by events that
    are no order's, such as the Cockpit's own releases of events, which History reads after the Controller
    recorded them)."""
    found: tuple[list[o.Order] | None, list[o.Order], int] | None = None

    def same() -> bool:
        nonlocal found
        found = running.call(_kept_and_controllers)
        return found[0] == found[1]

    try:
        _until(seconds, same)
    except AssertionError:
        assert found is not None
        kept, theirs, behind = found
        assert kept == theirs, f"the view is {behind} EventIds behind"
        raise


def _run_many_orders(joc: Joc) -> None:
    """Busy orders that fork, join, run and sleep and are deleted when they end (until one of them has);
    orders left prompting, one confirmed; orders scheduled for later, one suspended and one cancelled."""
    busy = [_add(joc, "/busy") for _ in range(6)]
    asking = [_add(joc, "/asker") for _ in range(3)]
    later = [_add(joc, "/greet", arguments={"name": "x"}, scheduledFor="now + 3600") for _ in range(3)]
    joc.ok("/joc/api/orders/suspend", {"controllerId": CID, "orderIds": [later[0]]})
    joc.ok("/joc/api/orders/cancel", {"controllerId": CID, "orderIds": [later[1]]})
    _until(30, lambda: set(asking) <= _prompting(joc))
    joc.ok("/joc/api/orders/confirm", {"controllerId": CID, "orderIds": [asking[0]]})
    _until(60, lambda: not set(busy) <= _listed(joc))


def _prompting(joc: Joc) -> set[str]:
    answer = joc.ok("/joc/api/orders", {"controllerId": CID, "states": ["PROMPTING"]})
    return {order["orderId"] for order in answer["orders"]}


def test_the_view_equals_the_controllers_orders_after_many_changes_and_a_reconnect(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes], root: Joc
) -> None:
    running, controller = controller_cockpit
    deploy(running, controller, BUSY, ASKER, GREET)
    assert _listed(root) == set(), "the first listing takes the (no) orders from the Controller"

    _run_many_orders(root)
    _view_equals_the_controllers(running)
    assert running.call(lambda c: _async(_view(c).taken)) == 1, "every event applied: taken once only"

    running.call(lambda c: _register(c, controller.controller_id, controller.url))
    assert running.call(lambda c: _async(_view(c).kept())) is None, "a new proxy has a new view"
    _listed(root)
    _run_many_orders(root)
    _view_equals_the_controllers(running)
    assert running.call(lambda c: _async(_view(c).taken)) == 1


async def _async(value: Any) -> Any:
    return value


def _added(workflow_path: str = "W") -> e.OrderAdded:
    return e.OrderAdded(workflow_id=WorkflowId(path=workflow_path, version_id="1"))


def test_events_that_do_not_apply_change_nothing() -> None:
    orders: dict[str, o.Order] = {}
    assert apply_to_orders(orders, e.KeyedEvent("A", _added())) is None
    before = dict(orders)
    duplicate = apply_to_orders(orders, e.KeyedEvent("A", _added()))
    assert duplicate is not None and "Duplicate" in duplicate.message
    unknown = apply_to_orders(orders, e.KeyedEvent("B", e.OrderStarted()))
    assert unknown is not None and "Unknown order 'B'" in unknown.message
    assert orders == before
