"""File orders (js7-reference §1.7): a file that appeared at an Agent's FileWatch becomes an order of the
FileWatch's workflow; a file that vanished marks its order, which is deleted once terminated. Pure."""

from __future__ import annotations

from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model.order import ExternalOrder


def default_order_id(watch_path: str, file_name: str) -> str:
    return f"file:{watch_path}:{file_name}"


def file_order_events(state: EngineState, keyed: e.KeyedEvent, now: int) -> list[e.KeyedEvent]:
    """What an adopted ExternalOrderAppeared/Vanished (keyed by the FileWatch path, already applied to
    `state`) brings about: OrderAdded, or OrderExternalVanished. Nothing for other events."""
    del now  # the order's arguments come from the Agent; kept for the scheduled orders of a later FileWatch
    event = keyed.event
    if isinstance(event, ie.ExternalOrderAppeared):
        return _added(state, keyed.key, event)
    if isinstance(event, ie.ExternalOrderVanished):
        return _vanished(state, keyed.key, event.external_order_name)
    return []


def _added(state: EngineState, watch_path: str, event: ie.ExternalOrderAppeared) -> list[e.KeyedEvent]:
    watch = state.file_watches.get(watch_path)
    order_id = event.order_id or default_order_id(watch_path, event.external_order_name)
    if watch is None or order_id in state.orders:
        return []
    workflow_id = state.latest_workflow.get(watch.workflow_path)
    if workflow_id is None:
        return []
    # JS7 deletes a file order when it has terminated and its file is gone (source._after_termination).
    added = e.OrderAdded(
        workflow_id=workflow_id,
        arguments=dict(event.arguments),
        external_order=ExternalOrder(order_watch_path=watch_path, name=event.external_order_name),
        delete_when_terminated=True,
    )
    return [e.KeyedEvent(order_id, added)]


def _vanished(state: EngineState, watch_path: str, name: str) -> list[e.KeyedEvent]:
    record = state.external_orders.get((watch_path, name))
    order_id = (record.order_id if record else None) or default_order_id(watch_path, name)
    order = state.orders.get(order_id)
    if order is None or order.external_order is None or order.external_order.vanished:
        return []
    if (order.external_order.order_watch_path, order.external_order.name) != (watch_path, name):
        return []
    return [e.KeyedEvent(order_id, e.OrderExternalVanished())]
