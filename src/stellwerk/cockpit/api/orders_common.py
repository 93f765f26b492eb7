"""What the order, workflow, history and log routers share: JOC's permission names, the Controller's orders with
the inventory paths of their workflows, JOC's `Ok` answer, the Controller's refusal as a JOC error, and time
parameters as JOC errors naming their field."""

from __future__ import annotations

from typing import Any

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.errors import BadRequest, JocError, delivery_date
from stellwerk.cockpit.services.joc_time import TimeError, date_param
from stellwerk.cockpit.services.orders import decode_orders
from stellwerk.cockpit.services.workflows import workflow_paths
from stellwerk.model.order import Order
from stellwerk.transport.client import HttpError

ORDERS = "sos:products:controller:orders"
VIEW = f"{ORDERS}:view"
CREATE = f"{ORDERS}:create"
CANCEL = f"{ORDERS}:cancel"
SUSPEND_RESUME = f"{ORDERS}:suspendResume"
MODIFY = f"{ORDERS}:modify"
MANAGE_POSITIONS = f"{ORDERS}:managePositions"
CONFIRM = f"{ORDERS}:confirm"
WORKFLOWS_VIEW = "sos:products:controller:workflows:view"


def ok_answer() -> dict[str, Any]:
    now = delivery_date()
    return {"deliveryDate": now, "surveyDate": now, "ok": True}


def refusal(error: JocError) -> str:
    """The Controller's own message of a refused command or item update."""
    cause = error.__cause__
    return cause.message if isinstance(cause, HttpError) else error.message


async def paths_of(cockpit: Cockpit, controller_id: str) -> dict[str, str]:
    """The inventory path of each workflow deployed to the Controller, by name."""
    async with cockpit.database.reading() as db:
        return await workflow_paths(db, controller_id)


async def controller_orders(cockpit: Cockpit, controller_id: str) -> tuple[list[Order], dict[str, str]]:
    """The Controller's orders now (from its order view, or fetched when it has none) and the inventory paths
    of their workflows."""
    proxy = cockpit.proxies.get(controller_id)
    view = cockpit.order_views.get(controller_id)
    if view is None:
        orders = decode_orders(await proxy.orders())
    else:
        orders = list((await view.orders()).values())
    return orders, await paths_of(cockpit, controller_id)


def time_param(field: str, text: str | None, now: int, time_zone: str | None) -> int | None:
    """A `dateFrom`-like parameter as epoch milliseconds; a 420 naming the field when it does not parse."""
    if text is None:
        return None
    try:
        return date_param(text, now, time_zone)
    except TimeError as error:
        raise BadRequest(f"$.{field}: {error}") from None


def limit_of(limit: int) -> int | None:
    """JOC's `limit`: -1 (or any negative) is unlimited."""
    return None if limit < 0 else limit
