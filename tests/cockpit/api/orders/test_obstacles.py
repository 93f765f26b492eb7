"""`/joc/api/order/obstacles` on a real Controller and Agent: the second order of a job that runs one process at a
time is held by JobProcessLimitReached until the first is gone; an order the Controller does not have is
OrderNotExisting; the answers pass JOC's schema; `stellwerk orders show` says it in words."""

from __future__ import annotations

from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.orders.conftest import AGENT, deploy, wait_for_state
from tests.cockpit.api.schema import assert_valid
from tests.e2e.nodes import shell_job, workflow

CID = "e2e"
ONE_AT_A_TIME = workflow(
    "single",
    [{"TYPE": "Execute.Named", "jobName": "nap"}],
    {"nap": shell_job(AGENT, "sleep 60", processLimit=1)},
)


def _obstacles(joc: Joc, order_id: str) -> dict[str, object]:
    answer: dict[str, object] = joc.ok("/joc/api/order/obstacles", {"controllerId": CID, "orderId": order_id})
    assert_valid("order/obstacle200-schema.json", answer)
    return answer


def test_a_process_limit_holds_the_second_order_and_says_so(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes], root: Joc
) -> None:
    running, controller = controller_cockpit
    deploy(running, controller, ONE_AT_A_TIME)
    body = {"controllerId": CID, "orders": [{"workflowPath": "/single", "orderName": n} for n in ("a", "b")]}
    first, second = root.ok("/joc/api/orders/add", body)["orderIds"]
    wait_for_state(root, CID, first, "RUNNING")
    assert _obstacles(root, first)["obstacles"] == []
    assert _obstacles(root, second)["obstacles"] == [{"type": "JobProcessLimitReached"}]
    assert _obstacles(root, "no-such-order")["obstacles"] == [{"type": "OrderNotExisting"}]
    assert root.post("/joc/api/order/obstacles", {"controllerId": CID}).status == 420

    root.ok("/joc/api/orders/cancel", {"controllerId": CID, "orderIds": [first], "kill": True})
    wait_for_state(root, CID, second, "RUNNING")
    assert _obstacles(root, second)["obstacles"] == []
    root.ok("/joc/api/orders/cancel", {"controllerId": CID, "orderIds": [second], "kill": True})
