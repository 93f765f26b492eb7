"""The Orders views: the Controller's orders (server-paginated, by JOC's state groups, rows patched live), one
order (variables, position on its workflow's graph, why it is not moving, its timeline and log tailing live),
the operations on one or many (suspend, resume at a position, cancel, answer a prompt), and adding an order with
a form made from the workflow's parameters. Operations go through the API's handlers."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api import orders as orders_api
from stellwerk.cockpit.api.history import order_item
from stellwerk.cockpit.api.orders_common import (
    CANCEL,
    CONFIRM,
    CREATE,
    SUSPEND_RESUME,
    VIEW,
    controller_orders,
)
from stellwerk.cockpit.api.orders_models import AddOrders, ModifyOrders
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import OrderStateText
from stellwerk.cockpit.db.repositories.logs import LogRepository, LogSource
from stellwerk.cockpit.db.repositories.order_history import OrderHistory, OrderHistoryRepository
from stellwerk.cockpit.errors import UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.services.order_log import log_entries
from stellwerk.cockpit.services.order_states import joc_state
from stellwerk.cockpit.services.orders import OrderSelection, joc_path, order_view, selected
from stellwerk.cockpit.ui import live
from stellwerk.cockpit.ui.pages import controller_ids
from stellwerk.cockpit.ui.web import PostingCaller, Refused, UiCaller, UiRoute, body_of, done, page, templates
from stellwerk.cockpit.ui.workflows import deployed, graph_of
from stellwerk.model import codec
from stellwerk.model import order as o
from stellwerk.model.outcome import named_values

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

PAGE_SIZE = 50
GROUPS = (
    OrderStateText.PENDING, OrderStateText.SCHEDULED, OrderStateText.INPROGRESS, OrderStateText.RUNNING,
    OrderStateText.SUSPENDED, OrderStateText.PROMPTING, OrderStateText.WAITING, OrderStateText.FAILED,
    OrderStateText.FINISHED, OrderStateText.CANCELLED,
)  # fmt: skip
LOG_TAIL_LINES = 500  # the timeline opens with its last lines; new lines follow live

# Why an order does not move, by the engine's state (JOC's "obstacles", in words).
_STILL = {
    o.Fresh: "It waits for its scheduled start.",
    o.Prompting: "It waits for an answer to its prompt.",
    o.WaitingForLock: "It waits for a lock held by another order.",
    o.ExpectingNotices: "It waits for a notice to be posted.",
    o.Sleeping: "It sleeps until the end of its Sleep instruction.",
    o.DelayingRetry: "It waits before the next retry.",
    o.BetweenCycles: "It waits for the next cycle.",
    o.WaitingForAdmission: "It waits for its job's admission time.",
    o.Forked: "It waits for its child orders to finish.",
    o.Failed: "It failed; resume it (maybe at another position) or cancel it.",
    o.Broken: "It is broken; resume or cancel it.",
}


def row_key(order_id: str) -> str:
    """A name for an order's row (its SSE event and element id) that any order id can have."""
    return "r" + hashlib.sha1(order_id.encode()).hexdigest()[:16]


def why_still(order: o.Order) -> str | None:
    if order.is_suspended and not order.is_terminated:
        return "It is suspended; resume it to go on."
    return _STILL.get(type(order.state))


async def choose_controller(cockpit: Cockpit, caller: Caller, wanted: str | None) -> str:
    """The Controller a view asked for, or the first the account may see."""
    ids = await controller_ids(cockpit, caller)
    if wanted and wanted in ids:
        return wanted
    if not ids:
        caller.require(VIEW)  # without the permission, a 403 tells nothing about the Controllers
        raise Refused(404, "No Controller is registered (or none the account may see)")
    return ids[0]


def _state_group(value: str | None) -> OrderStateText | None:
    try:
        return OrderStateText(value) if value else None
    except ValueError:
        raise Refused(400, f"state: {value} is not a state group") from None


async def _listing(
    cockpit: Cockpit, caller: Caller, controller_id: str, state: OrderStateText | None, page_number: int
) -> dict[str, Any]:
    """One page of the orders the account may see, with the counts of each state group."""
    caller.require(VIEW, controller_id)
    found, paths = await controller_orders(cockpit, controller_id)
    visible = selected(found, OrderSelection(), paths, lambda path: caller.sees(path, controller_id))
    states = {order.id: joc_state(order).text for order in visible}
    counts = dict.fromkeys(GROUPS, 0)
    for text in states.values():
        counts[text] = counts.get(text, 0) + 1
    chosen = [order for order in visible if state is None or states[order.id] == state]
    pages = max(1, math.ceil(len(chosen) / PAGE_SIZE))
    number = min(max(page_number, 1), pages)
    shown = chosen[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    rows = [{**order_view(order, paths), "key": row_key(order.id)} for order in shown]
    return {
        "controller_id": controller_id, "state": state.value if state else "", "counts": counts,
        "total": len(chosen), "page_number": number, "pages": pages, "rows": rows,
        "can": _abilities(caller, controller_id),
    }  # fmt: skip


def _abilities(caller: Caller, controller_id: str) -> dict[str, bool]:
    return {
        "suspend": caller.allows(SUSPEND_RESUME, controller_id),
        "cancel": caller.allows(CANCEL, controller_id),
        "confirm": caller.allows(CONFIRM, controller_id),
        "create": caller.allows(CREATE, controller_id),
    }


@router.get("/orders", response_class=HTMLResponse)
async def orders_page(
    request: Request,
    caller: UiCaller,
    cockpit: CockpitDep,
    controller: str | None = None,
    state: str | None = None,
    page_number: Annotated[int, Query(alias="page")] = 1,
) -> Response:
    controller_id = await choose_controller(cockpit, caller, controller)
    listing = await _listing(cockpit, caller, controller_id, _state_group(state), page_number)
    return page(request, "orders.html", **listing)


@router.get("/live/orders")
async def orders_live(
    caller: UiCaller,
    cockpit: CockpitDep,
    controller: str,
    state: str | None = None,
    page_number: Annotated[int, Query(alias="page")] = 1,
) -> Response:
    """Each row that changed as its own event; the whole list when orders came or went; the group counts."""
    group = _state_group(state)
    row = templates.get_template("_order_row.html")
    shown_keys: list[str] | None = None

    async def fragments() -> list[live.Fragment]:
        nonlocal shown_keys
        listing = await _listing(cockpit, caller, controller, group, page_number)
        keys = [r["key"] for r in listing["rows"]]
        found: list[live.Fragment] = [
            ("groups", templates.get_template("_groups.html").render(**listing), False)
        ]
        if shown_keys is not None and keys != shown_keys:
            found.append(("rows", templates.get_template("_order_rows.html").render(**listing), True))
        else:
            found += [(r["key"], row.render(row=r, **listing), False) for r in listing["rows"]]
        shown_keys = keys
        return found

    return live.stream(fragments)


# One order ---------------------------------------------------------------------------------------------------------


async def _the_order(cockpit: Cockpit, caller: Caller, controller_id: str, order_id: str) -> dict[str, Any]:
    caller.require(VIEW, controller_id)
    found, paths = await controller_orders(cockpit, controller_id)
    order = next((candidate for candidate in found if candidate.id == order_id), None)
    if order is None:
        raise UnknownObject(f"There is no order {order_id} on {controller_id} (any more)")
    caller.require_folder(joc_path(order.workflow_id.path, paths), controller_id)
    view = order_view(order, paths)
    return {
        "order": view,
        "variables": _variables(order),
        "why": why_still(order),
        "terminated": order.is_terminated,
        "can": _abilities(caller, controller_id),
        "controller_id": controller_id,
    }


def _variables(order: o.Order) -> dict[str, str]:
    """The order's arguments and what its jobs returned so far (the later value wins), as JSON text."""
    values = dict(codec.to_builtins(order.arguments))
    for historic in order.historic_outcomes:
        values.update(codec.to_builtins(named_values(historic.outcome)))
    return {name: json.dumps(value) for name, value in values.items()}


def entry_line(entry: Mapping[str, Any]) -> str:
    """An order log entry as one line of text."""
    extras = [f"{field}={entry[field]}" for field in ("job", "agentDatetime", "returnCode") if field in entry]
    return " ".join(
        [
            str(entry.get("controllerDatetime", "")),
            str(entry.get("logEvent")),
            str(entry.get("position", "")),
            *extras,
        ]
    )


class LogFollower:
    """The order's latest run: its timeline (order log entries) and its jobs' output after what was read. The
    first read of the output is its last block of about `TAIL_BYTES`: a long log shows its tail first, and the
    blocks before it come on request (`earlier_before`)."""

    TAIL_BYTES = 64 * 1024

    def __init__(self, cockpit: Cockpit, controller_id: str, order_id: str) -> None:
        self._cockpit, self._controller_id, self._order_id = cockpit, controller_id, order_id
        self.history_id: int | None = None
        self._order_chunk = 0
        self._output_chunk: int | None = None  # None: the output was not read yet
        self.earlier_before: int | None = None  # the first output chunk read, when chunks come before it

    async def read(self) -> tuple[list[str], list[str]]:
        """New (timeline lines, output lines) since the last read."""
        async with self._cockpit.database.reading() as db:
            if self.history_id is None:
                row = await OrderHistoryRepository(db).latest(self._controller_id, self._order_id)
                if row is None:
                    return [], []
                self.history_id = row.history_id
            logs = LogRepository(db)
            tail = await logs.order_log_after(self.history_id, self._order_chunk)
            self._order_chunk = tail.last_chunk_id
            timeline = [entry_line(entry) for entry in log_entries(tail.text)]
            output = await self._output(logs, LogSource(history_order_id=self.history_id, jobs_only=True))
        return timeline, output.splitlines()

    async def _output(self, logs: LogRepository, source: LogSource) -> str:
        if self._output_chunk is None:
            block = await logs.block_before(source, None, self.TAIL_BYTES)
            self._output_chunk = block.chunks[-1].id if block.chunks else 0
            self.earlier_before = block.chunks[0].id if block.earlier else None
            return "".join(chunk.text for chunk in block.chunks)
        output = await logs.log_after(source, self._output_chunk)
        self._output_chunk = output.last_chunk_id
        return output.text

    def earlier_url(self) -> str | None:
        """Where the output's block before what was read first comes from (None: nothing comes before)."""
        if self.history_id is None or self.earlier_before is None:
            return None
        query = urlencode(
            {"controller": self._controller_id, "id": self.history_id, "before": self.earlier_before}
        )
        return f"/ui/logs/output/earlier?{query}"


@router.get("/order", response_class=HTMLResponse)
async def order_page(
    request: Request, caller: UiCaller, cockpit: CockpitDep, controller: str, id: str
) -> Response:
    """The order; its timeline and log come with the first live update (their tails). An order that has left
    the Controller is shown from its latest run in the history."""
    try:
        shown = await _the_order(cockpit, caller, controller, id)
    except UnknownObject:
        run = await _latest_run(cockpit, caller, controller, id)
        return page(request, "order.html", **_run_view(run, controller), graph=None)
    workflow = await graph_of(cockpit, caller, controller, shown["order"]["workflowId"]["path"])
    path, position = shown["order"]["workflowId"]["path"], shown["order"]["positionString"]
    return page(
        request, "order.html", **shown, order_id=id, workflow_path=path, position=position, graph=workflow
    )


async def _latest_run(cockpit: Cockpit, caller: Caller, controller_id: str, order_id: str) -> OrderHistory:
    caller.require(VIEW, controller_id)
    async with cockpit.database.reading() as db:
        run = await OrderHistoryRepository(db).latest(controller_id, order_id)
    if run is None:
        raise UnknownObject(f"There is no order {order_id} on {controller_id}, nor one in its history")
    caller.require_folder(run.workflow_path, controller_id)
    return run


def _run_view(run: OrderHistory, controller_id: str) -> dict[str, Any]:
    return {
        "order": None,
        "run": order_item(run, delivery_date()),
        "error_text": run.error_text,
        "order_id": run.order_id,
        "workflow_path": run.workflow_path,
        "position": run.position,
        "controller_id": controller_id,
    }


@router.get("/live/order")
async def order_live(caller: UiCaller, cockpit: CockpitDep, controller: str, id: str) -> Response:
    """The order's state block when it changes; first the tails of its timeline and log (replacing what the
    page shows, so a reconnected stream does not repeat lines), then their new lines as they come."""
    follower = LogFollower(cockpit, controller, id)
    state = templates.get_template("_order_state.html")
    lines = templates.get_template("_log_lines.html")
    log = templates.get_template("_log.html")
    first = True

    async def fragments() -> list[live.Fragment]:
        nonlocal first
        try:
            shown = await _the_order(cockpit, caller, controller, id)
            block = state.render(**shown)
        except UnknownObject:
            block = state.render(order=None, controller_id=controller)
        timeline, output = await follower.read()
        found: list[live.Fragment] = [("state", block, False)]
        if first:
            first = False
            tail = timeline[-LOG_TAIL_LINES:]
            cut = len(timeline) > len(tail)
            found.append(("timeline-all", log.render(name="timeline", lines=tail, cut=cut), True))
            earlier = follower.earlier_url()
            output_block = log.render(
                name="output", lines=output, cut=earlier is not None, earlier_url=earlier
            )
            found.append(("output-all", output_block, True))
        else:
            found += [
                ("timeline", lines.render(lines=timeline), True),
                ("output", lines.render(lines=output), True),
            ]
        return found

    return live.stream(fragments)


# Operations --------------------------------------------------------------------------------------------------------

_OPERATIONS = {
    "suspend": (orders_api.suspend, "Suspended"),
    "resume": (orders_api.resume, "Resumed"),
    "cancel": (orders_api.cancel, "Cancelled"),
    "confirm": (orders_api.confirm, "Answered the prompt of"),
}


@router.post("/orders/{operation}", response_class=HTMLResponse)
async def operate(
    request: Request,
    operation: str,
    caller: PostingCaller,
    cockpit: CockpitDep,
    controller: Annotated[str, Form()],
    order_ids: Annotated[list[str], Form(alias="orderIds")] = [],  # noqa: B006 (FastAPI copies defaults)
    position: Annotated[str, Form()] = "",
) -> Response:
    """One operation on the chosen orders, through the API's handler (its permission, folder and audit)."""
    if operation == "add":
        return await _add(request, caller, cockpit, controller)
    if operation not in _OPERATIONS:
        raise Refused(404, f"There is no order operation {operation}")
    if not order_ids:
        raise Refused(400, "Choose at least one order")
    handler, verb = _OPERATIONS[operation]
    body: dict[str, Any] = {"controllerId": controller, "orderIds": order_ids}
    if operation == "resume" and position.strip():
        body["position"] = position.strip()
    await handler(body_of(ModifyOrders, body), caller, cockpit)
    count = len(order_ids)
    message = f"{verb} {order_ids[0] if count == 1 else f'{count} orders'}"
    return done(request, message)


# Adding -----------------------------------------------------------------------------------------------------------


def parameters_of(workflow: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The workflow's order parameters the form asks for: name, type, default (as text) and whether required."""
    found = []
    for name, parameter in ((workflow.get("orderPreparation") or {}).get("parameters") or {}).items():
        if not isinstance(parameter, dict) or "final" in parameter:
            continue
        default = parameter.get("default")
        found.append(
            {
                "name": name,
                "type": parameter.get("type", "String"),
                "default": "" if default is None else str(default).strip("'\""),
                "required": default is None,
            }
        )
    return found


def argument(kind: Any, text: str) -> Any:
    """A form field as the argument's type wants it; a Refused naming the problem otherwise."""
    if kind == "Number":
        try:
            number = float(text)
        except ValueError:
            raise Refused(400, f"{text!r} is not a number") from None
        return int(number) if number.is_integer() else number
    if kind == "Boolean":
        return text.lower() in ("true", "on", "yes", "1")
    return text


@router.get("/orders/add", response_class=HTMLResponse)
async def add_form(
    request: Request, caller: UiCaller, cockpit: CockpitDep, controller: str, workflow: str
) -> Response:
    caller.require(CREATE, controller)
    found = await deployed(cockpit, caller, controller, workflow)
    return page(
        request, "add_order.html", controller_id=controller, workflow=found, parameters=parameters_of(found)
    )


async def _add(request: Request, caller: Caller, cockpit: Cockpit, controller: str) -> Response:
    form = await request.form()
    path = str(form.get("workflow", ""))
    found = await deployed(cockpit, caller, controller, path)
    arguments = {}
    for parameter in parameters_of(found):
        given = str(form.get(f"arg.{parameter['name']}", "")).strip()
        if given or parameter["required"]:
            arguments[parameter["name"]] = argument(parameter["type"], given)
    entry: dict[str, Any] = {"workflowPath": path, "arguments": arguments}
    for field in ("orderName", "scheduledFor"):
        if str(form.get(field, "")).strip():
            entry[field] = str(form[field]).strip()
    answer = await orders_api.add(
        body_of(AddOrders, {"controllerId": controller, "orders": [entry]}), caller, cockpit
    )
    target = f"/ui/order?controller={controller}&id=" + _quoted(answer["orderIds"][0])
    return Response(status_code=204, headers={"HX-Redirect": target})


def _quoted(text: str) -> str:
    return quote(text, safe="")
