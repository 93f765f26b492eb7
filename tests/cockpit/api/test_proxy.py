"""The Cockpit's proxy to a real Controller: commands, orders and the event stream over mutual TLS."""

from __future__ import annotations

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.errors import JocError
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit


def test_the_proxy_reads_the_controllers_state_and_events(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit

    async def look(cockpit: Cockpit) -> tuple[dict[str, object], list[object], list[dict[str, object]]]:
        proxy = cockpit.proxies.get(controller.controller_id)
        return await proxy.overview(), await proxy.orders(), await proxy.events(0, 0.5)

    overview, orders, events = running.call(look)
    assert orders == []
    assert events, "a new Controller has journaled events (its start)"
    assert all("eventId" in event for event in events)
    assert overview


def test_a_refused_command_is_a_joc_error(controller_cockpit: tuple[RunningCockpit, ControllerNodes]) -> None:
    running, controller = controller_cockpit

    async def cancel_unknown(cockpit: Cockpit) -> str:
        try:
            await cockpit.proxies.get(controller.controller_id).command(
                {"TYPE": "CancelOrders", "orderIds": ["nope"]}
            )
        except JocError as error:
            return error.message
        return "accepted"

    assert "nope" in running.call(cancel_unknown)
