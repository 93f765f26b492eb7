"""The Controller's orders as the Cockpit keeps them, so that listing them does not fetch every order each time.

Per registered Controller an `OrderView`: on first use (and after any doubt) it takes the Controller's orders
once, with the EventId they are at, and from then on applies every order event after it with the engine's own
transitions. It learns the events from the History service's batches (before History releases them, so the
view never falls behind what the Controller still keeps) and, before it answers, from the Controller's event
stream after its last EventId — so an answer includes everything the Controller had done when it was asked.
Batches that arrive while the orders are being taken are held and applied after them.

Each order's JOC view (`OrderV`) is encoded once and kept until the order, its workflow's path or whether it
has children changes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from stellwerk.cockpit.errors import JocError
from stellwerk.cockpit.services.orders import decode_orders, order_view
from stellwerk.cockpit.services.proxy import ControllerProxy, ProxyListener
from stellwerk.engine.apply import added_by_order, forked_child, new_order
from stellwerk.engine.order_transitions import apply_order_event
from stellwerk.model import codec
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.problems import Problem
from stellwerk.transport.client import HttpError

logger = logging.getLogger(__name__)

CATCH_UP_BATCH = 1000
_TORN = 410
_SLACK = 1000  # views of gone orders kept before they are swept
_QUIET = {"OrderStdoutWritten", "OrderStderrWritten"}


def apply_to_orders(orders: dict[str, o.Order], keyed: e.KeyedEvent) -> Problem | None:
    """Applies an order event to the orders as the engine does to its own (the order's transition, and the
    orders it adds or removes); other events change nothing. A Problem means nothing was changed."""
    event = keyed.event
    if isinstance(event, e.OrderAdded):
        return _add(orders, keyed.key, new_order(keyed.key, event))
    if not isinstance(event, e.OrderEvent):
        return None
    before = orders.get(keyed.key)
    if before is None:
        return Problem(f"Unknown order '{keyed.key}' for event {type(event).__name__}")
    after = apply_order_event(before, event)
    if isinstance(after, Problem):
        return after
    if isinstance(event, e.OrderOrderAdded):
        if problem := _add(orders, event.order_id, new_order(event.order_id, added_by_order(event))):
            return problem
    orders[keyed.key] = after
    _registry_effects(orders, before, event)
    return None


def _add(orders: dict[str, o.Order], order_id: str, order: o.Order) -> Problem | None:
    if order_id in orders:
        return Problem(f"Duplicate order '{order_id}'")
    orders[order_id] = order
    return None


def _registry_effects(orders: dict[str, o.Order], before: o.Order, event: e.Event) -> None:
    if isinstance(event, e.OrderForked):
        for child in event.children:
            orders[child.order_id] = forked_child(before, child)
    elif isinstance(event, e.OrderJoined) and isinstance(before.state, o.Forked):
        for joined in before.state.children:
            orders.pop(joined.order_id, None)
    elif isinstance(event, e.OrderDeleted):
        del orders[before.id]


def _keyed(raw: Mapping[str, Any]) -> e.KeyedEvent:
    return codec.decode_keyed_event(msgspec.json.encode(raw))


def _torn(error: JocError) -> bool:
    cause = error.__cause__
    return isinstance(cause, HttpError) and cause.status == _TORN


class _Encoded(msgspec.Struct, frozen=True):
    order: o.Order
    path: str
    has_children: bool
    json: bytes


class OrderView:
    """The orders of one Controller, kept current (see the module)."""

    def __init__(self, proxy: ControllerProxy) -> None:
        self._proxy = proxy
        self._orders: dict[str, o.Order] | None = None
        self._event_id = 0
        self._held: list[Sequence[Mapping[str, Any]]] | None = None
        self._lock = asyncio.Lock()
        self._encoded: dict[str, _Encoded] = {}
        self.taken = 0  # how often the orders were taken from the Controller

    @property
    def event_id(self) -> int:
        """The EventId the orders are at."""
        return self._event_id

    def kept(self) -> Mapping[str, o.Order] | None:
        """The orders as the view has them, without asking the Controller; None until it has taken them."""
        return self._orders

    def observe(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Takes a batch of the Controller's events (in order); those the view has already are skipped."""
        if self._orders is None:
            if self._held is not None:
                self._held.append(events)
            return
        self._apply(events)

    async def orders(self) -> Mapping[str, o.Order]:
        """The Controller's orders now (by id, in the Controller's order); raises ControllerUnreachable."""
        async with self._lock:
            if self._orders is not None:
                await self._catch_up()
            if self._orders is None:
                await self._take()
            assert self._orders is not None
            return self._orders

    def encoded(self, order: o.Order, path: str, paths: Mapping[str, str], has_children: bool) -> bytes:
        """The order's JOC view as JSON (`path`: its workflow's inventory path), encoded once per change of the
        order, its path or its children."""
        kept = self._encoded.get(order.id)
        if (
            kept is not None
            and kept.order is order
            and kept.path == path
            and kept.has_children == has_children
        ):
            return kept.json
        json = codec.encode(order_view(order, paths, with_children=has_children))
        self._encoded[order.id] = _Encoded(order, path, has_children, json)
        return json

    async def _take(self) -> None:
        self._held = []
        try:
            event_id, raw = await self._proxy.order_snapshot()
            orders = {order.id: order for order in decode_orders(raw)}
            self.taken += 1
        finally:
            held, self._held = self._held, None
        self._orders, self._event_id = orders, event_id
        self._encoded = {k: v for k, v in self._encoded.items() if orders.get(k) is v.order}
        for batch in held:
            self._apply(batch)

    async def _catch_up(self) -> None:
        while self._orders is not None:
            try:
                events = await self._proxy.events(self._event_id, 0, CATCH_UP_BATCH)
            except JocError as error:
                if not _torn(error):
                    raise
                self._forget(f"the events after {self._event_id} are gone")
                return
            self._apply(events)
            if len(events) < CATCH_UP_BATCH:
                return

    def _apply(self, events: Iterable[Mapping[str, Any]]) -> None:
        orders = self._orders
        for raw in events:
            event_id = raw.get("eventId")
            if orders is None or not isinstance(event_id, int) or event_id <= self._event_id:
                continue
            kind = raw.get("TYPE")
            if isinstance(kind, str) and kind.startswith("Order") and kind not in _QUIET:
                try:
                    problem = apply_to_orders(orders, _keyed(raw))
                except msgspec.MsgspecError as error:  # told from History's task, which must go on
                    problem = Problem(f"undecodable: {error}")
                if problem:
                    self._forget(f"event {event_id}: {problem.message}")
                    return
            self._event_id = event_id
        if orders is not None and len(self._encoded) > 2 * len(orders) + _SLACK:
            self._encoded = {k: v for k, v in self._encoded.items() if k in orders}

    def _forget(self, why: str) -> None:
        """Drops the orders; the next reader takes them again from the Controller."""
        logger.warning("The order view of %s takes the orders again: %s", self._proxy.controller_id, why)
        self._orders = None


class OrderViews(ProxyListener):
    """The order views by Controller id: made when a proxy is registered (again: anew), dropped when it is
    forgotten. `observe` is a batch listener of the History service."""

    def __init__(self) -> None:
        self._views: dict[str, OrderView] = {}

    def registered(self, proxy: ControllerProxy) -> None:
        self._views[proxy.controller_id] = OrderView(proxy)

    def forgotten(self, controller_id: str) -> None:
        self._views.pop(controller_id, None)

    def get(self, controller_id: str) -> OrderView | None:
        return self._views.get(controller_id)

    def observe(self, controller_id: str, events: Sequence[Mapping[str, Any]]) -> None:
        view = self._views.get(controller_id)
        if view is not None:
            view.observe(events)
