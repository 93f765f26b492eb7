"""The order and task history and the logs, read through the JOC API from rows the History service would write
(inserted here with its repositories): filters, limits, running tasks, order log entries the JOC client can
read, a running job's log read on, folder permissions; answers valid against JOC's schemas."""

from __future__ import annotations

from collections.abc import Callable

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.logs import LogRepository
from tests.cockpit.api.conftest import RunningCockpit
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.orders.conftest import T0, fill_history
from tests.cockpit.api.schema import assert_valid

CID = "js7"
VIEW = "sos:products:controller:orders:view"


def test_history_logs_and_their_filters(
    cockpit: RunningCockpit, joc: Joc, account: Callable[..., Joc]
) -> None:
    ids = cockpit.call(lambda c: fill_history(c, CID))

    history = joc.ok("/joc/api/orders/history", {"controllerId": CID})
    assert_valid("order/orderHistory-schema.json", history)
    assert [item["historyId"] for item in history["history"]] == [ids.running, ids.failed, ids.ok]
    assert history["history"][1]["state"] == {"severity": 2, "_text": "FAILED"}
    assert history["history"][2]["arguments"] == {"name": "you"}
    failed = joc.ok("/joc/api/orders/history", {"controllerId": CID, "historyStates": ["FAILED"]})
    assert [item["orderId"] for item in failed["history"]] == ["#2026-01-01#T2-bad"]
    limited = joc.ok("/joc/api/orders/history", {"controllerId": CID, "limit": 1, "workflowPath": "/a/ok"})
    assert [item["historyId"] for item in limited["history"]] == [ids.ok]
    later = {"controllerId": CID, "dateFrom": "2026-01-01T00:01:00Z", "folders": [{"folder": "/a"}]}
    assert [item["historyId"] for item in joc.ok("/joc/api/orders/history", later)["history"]] == [ids.failed]

    summary = joc.ok(
        "/joc/api/orders/overview/summary", {"controllerId": CID, "dateFrom": "2026-01-01T00:00:00Z"}
    )
    assert_valid("order/summary-schema.json", summary)
    assert summary["orders"] == {"successful": 1, "failed": 1}

    tasks = joc.ok("/joc/api/tasks/history", {"controllerId": CID})
    assert_valid("job/history-schema.json", tasks)
    running = tasks["history"][0]
    assert running["taskId"] == ids.running_task and "endTime" not in running
    assert running["state"]["_text"] == "INCOMPLETE"
    assert tasks["history"][1]["exitCode"] == 1

    order_log = joc.ok("/joc/api/order/log", {"controllerId": CID, "historyId": ids.ok})
    events = [entry["logEvent"] for entry in order_log["logEvents"]]
    assert events == ["OrderStarted", "OrderLockAcquired", "OrderFinished"]
    assert order_log["complete"] is True

    running_log = {"controllerId": CID, "historyId": ids.ok, "eventId": order_log["eventId"]}
    assert joc.ok("/joc/api/order/log/running", running_log)["logEvents"] == []

    task_log = joc.post("/joc/api/task/log", {"controllerId": CID, "taskId": ids.running_task})
    assert (task_log.status, task_log.body) == (200, "hello\n")
    download = joc.post("/joc/api/task/log/download", {"controllerId": CID, "taskId": ids.ended_task})
    assert (download.status, download.body) == (200, "hello\n")

    async def more_output(cockpit: Cockpit) -> None:
        async with cockpit.database.session() as db:
            await LogRepository(db).append(ids.running, "world\n", T0, ids.running_task)

    first = joc.ok(
        "/joc/api/task/log/running", {"controllerId": CID, "taskId": ids.running_task, "eventId": 0}
    )
    assert first["complete"] is False and first["log"] == "hello\n"
    cockpit.call(more_output)
    after = {"controllerId": CID, "taskId": ids.running_task, "eventId": first["eventId"]}
    assert joc.ok("/joc/api/task/log/running", after)["log"] == "world\n"

    bad = joc.post("/joc/api/orders/history", {"controllerId": CID, "dateFrom": "yesterday"})
    assert bad.status == 420 and bad.error["message"].startswith("$.dateFrom:")
    wildcard = joc.post("/joc/api/orders/history", {"controllerId": CID, "orderId": "#2026*"})
    assert wildcard.status == 420 and wildcard.error["code"] == "JOC-501"
    unknown = joc.post("/joc/api/task/log", {"controllerId": CID, "taskId": 999_999})
    assert unknown.status == 420 and unknown.error["code"] == "JOC-404"

    in_b = account("in-b", permissions=(VIEW,), folders=("/b",))
    assert [i["historyId"] for i in in_b.ok("/joc/api/orders/history", {"controllerId": CID})["history"]] == [
        ids.running
    ]
    assert in_b.post("/joc/api/task/log", {"controllerId": CID, "taskId": ids.ended_task}).status == 403
    assert in_b.post("/joc/api/order/log", {"controllerId": CID, "historyId": ids.ok}).status == 403
    nobody = account("nobody")
    for path in ("/joc/api/orders/history", "/joc/api/tasks/history", "/joc/api/orders/overview/summary"):
        assert nobody.post(path, {"controllerId": CID}).status == 403
        assert Joc(cockpit.url).post(path, {"controllerId": CID}).status == 401
