"""The History service storing batches of events on every backend: rows and logs of a batch written in bulk (a
fork's children point to their parent's row), a job's output of a batch in chunks of bounded size, a batch that
comes again changes nothing, a batch that fails half way leaves nothing behind and is written whole when it comes
again."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from sqlalchemy import event, func, select

from stellwerk.cockpit.db.enums import HistoryState, OrderStateText
from stellwerk.cockpit.db.repositories.event_ids import EventIdRepository
from stellwerk.cockpit.db.repositories.history_batch import CHUNK_BYTES, bounded_pieces
from stellwerk.cockpit.db.repositories.history_query import HistoryFilter
from stellwerk.cockpit.db.repositories.logs import LogRepository
from stellwerk.cockpit.db.repositories.order_history import OrderHistory, OrderHistoryRepository
from stellwerk.cockpit.db.repositories.task_history import TaskHistoryRepository
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.db.tables import HistoryLogChunk, HistoryOrder, HistoryTask
from stellwerk.cockpit.services.dailyplan.lateness import StartLateness
from stellwerk.cockpit.services.history import CONSUMER, History
from stellwerk.cockpit.services.history_fold import FoldedEvent
from stellwerk.cockpit.services.order_log import log_entries
from stellwerk.cockpit.services.proxy import ControllerProxy
from stellwerk.model import events as e
from stellwerk.model import outcome as o
from stellwerk.model.order import ForkedChild
from tests.cockpit.services.test_history_fold import ADDED, WORKFLOW, T, events

CID = "c"
FORK = e.OrderForked(children=(ForkedChild(order_id="p|a"), ForkedChild(order_id="p|b")))
BATCH = events(
    ("o1", ADDED),
    ("p", ADDED),
    ("o1", e.OrderStarted()),
    ("p", e.OrderStarted()),
    ("o1", e.OrderProcessingStarted(subagent_id="agentA")),
    ("p", FORK),
    ("o1", e.OrderStdoutWritten(chunk="hello\n")),
    ("o1", e.OrderStderrWritten(chunk="oops\n")),
    ("o1", e.OrderProcessed(outcome=o.Succeeded(named_values={"returnCode": 0}))),
    ("o1", e.OrderMoved(to=(1,))),
    ("o1", e.OrderFinished()),
)
LATER = events(
    ("p|a", e.OrderMoved(to=(0, "fork+a", 1))),
    ("p", e.OrderJoined(outcome=o.Succeeded())),
    ("p", e.OrderCancelled()),
)
LATER = [FoldedEvent(key, value, event_id + 1_000_000, time + 1_000) for key, value, event_id, time in LATER]


def history(database: Database) -> History:
    # The Controller is never asked: the workflow and the Agent are known, every order's OrderAdded is here.
    proxy = ControllerProxy(CID, ("https://127.0.0.1:9",), None)
    return History(database, proxy, lambda: T, workflows=[WORKFLOW], agent_urls={"agentA": "https://a"})


async def rows(database: Database) -> dict[str, Any]:
    async with database.session() as db:
        orders = (await OrderHistoryRepository(db).search(HistoryFilter(), main_orders_only=False)).items
        counts = [
            await db.scalar(select(func.count()).select_from(table))
            for table in (HistoryOrder, HistoryTask, HistoryLogChunk)
        ]
        return {
            "orders": {order.order_id: order for order in orders},
            "counts": counts,
            "event_id": await EventIdRepository(db).load(CID, CONSUMER),
        }


async def test_a_batch_is_written_in_bulk_and_not_twice(database: Database) -> None:
    writer = history(database)
    await writer.store(BATCH, BATCH[-1][2])
    first = await rows(database)
    orders: dict[str, OrderHistory] = first["orders"]
    assert set(orders) == {"o1", "p", "p|a", "p|b"}
    o1, parent = orders["o1"], orders["p"]
    assert (o1.state, o1.severity, o1.end_time, o1.position) == (
        OrderStateText.FINISHED, HistoryState.SUCCESSFUL, T + 10, "1",
    )  # fmt: skip
    assert orders["p|a"].parent_id == parent.history_id == orders["p|b"].parent_id
    assert (parent.state, parent.end_time) == (OrderStateText.WAITING, None)
    async with database.session() as db:
        [task] = await TaskHistoryRepository(db).of_order(o1.history_id)
        logs = LogRepository(db)
        assert await logs.task_log(task.task_id) == "hello\noops\n"
        entries = log_entries(await logs.order_log(o1.history_id))
    assert (task.job_name, task.return_code, task.severity) == ("hello", 0, HistoryState.SUCCESSFUL)
    assert [entry["logEvent"] for entry in entries] == [
        "OrderStarted", "OrderProcessingStarted", "OrderProcessed", "OrderFinished",
    ]  # fmt: skip
    assert entries[1]["taskId"] == entries[2]["taskId"] == task.task_id
    assert first["counts"] == [4, 1, 5], (
        "one chunk each: o1's log, its task's output, p's log, each child's log"
    )
    assert first["event_id"] == BATCH[-1][2]

    await history(database).store(BATCH, BATCH[-1][2])
    assert await rows(database) == first, "the same events again change nothing"

    await writer.store(LATER, LATER[-1][2])
    later = (await rows(database))["orders"]
    assert (later["p|a"].state, later["p|a"].end_time, later["p|a"].position) == (
        OrderStateText.FINISHED, T + 1001, "0/fork+a:1",
    )  # fmt: skip
    assert later["p|b"].severity == HistoryState.SUCCESSFUL and later["p|b"].end_time == T + 1001
    assert (later["p"].state, later["p"].severity, later["p"].end_time) == (
        OrderStateText.CANCELLED, HistoryState.FAILED, T + 1002,
    )  # fmt: skip


async def test_a_jobs_long_output_in_one_batch_is_stored_in_chunks_of_bounded_size(
    database: Database,
) -> None:
    lines = [f"line {n:06} of much output, ü\n" for n in range(10_000)]  # some 300 KB
    huge_line = "x" * (3 * CHUNK_BYTES) + "\n"
    written = [*lines, huge_line]
    chatty = events(
        ("o1", ADDED),
        ("o1", e.OrderStarted()),
        ("o1", e.OrderProcessingStarted(subagent_id="agentA")),
        *(("o1", e.OrderStdoutWritten(chunk=line)) for line in written),
    )
    await history(database).store(chatty, chatty[-1][2])
    async with database.session() as db:
        [task] = await TaskHistoryRepository(db).of_order((await rows(database))["orders"]["o1"].history_id)
        sizes = list(
            await db.scalars(select(HistoryLogChunk.size).where(HistoryLogChunk.task_id == task.task_id))
        )
        assert await LogRepository(db).task_log(task.task_id) == "".join(written)
    assert len(sizes) > 10 and max(sizes) <= CHUNK_BYTES
    assert sum(sizes) == len("".join(written).encode())


def test_pieces_keep_the_text_cut_between_characters_only() -> None:
    parts = ["ab", "üü" * 5, "", "c" * 7]
    pieces = bounded_pieces(parts, 8)
    assert b"".join(pieces).decode() == "".join(parts)
    assert all(len(piece) <= 8 for piece in pieces)
    assert [piece.decode() for piece in pieces]  # every piece is whole UTF-8
    assert bounded_pieces([""], 8) == [b""]


async def test_a_batch_that_fails_half_way_leaves_nothing_and_is_written_whole_again(
    database: Database,
) -> None:
    writer = history(database)

    def fail_at_tasks(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO HISTORY_TASKS"):
            raise RuntimeError("the Cockpit died here")

    event.listen(database.engine.sync_engine, "before_cursor_execute", fail_at_tasks)
    with pytest.raises(RuntimeError, match="died"):
        await writer.store(BATCH, BATCH[-1][2])
    event.remove(database.engine.sync_engine, "before_cursor_execute", fail_at_tasks)
    assert await rows(database) == {"orders": {}, "counts": [0, 0, 0], "event_id": None}
    assert writer.added == {}, "what the failed batch added is not remembered"

    await writer.store(BATCH, BATCH[-1][2])
    written = await rows(database)
    assert set(written["orders"]) == {"o1", "p", "p|a", "p|b"} and written["counts"] == [4, 1, 5]


async def test_the_start_of_a_planned_order_is_counted_in_the_lateness_once(database: Database) -> None:
    planned = msgspec.structs.replace(ADDED, scheduled_for=T - 20)
    plan_id = "#2026-06-01#P00000000000-a"
    batch = events(
        (plan_id, planned), ("unplanned", ADDED), (plan_id, e.OrderStarted()), ("unplanned", e.OrderStarted())
    )
    lateness = StartLateness()
    writer = History(database, history(database).proxy, lambda: T, workflows=[WORKFLOW], lateness=lateness)
    await writer.store(batch, batch[-1][2])
    await writer.store(batch, batch[-1][2])  # again: written and counted already
    text = lateness.render().decode()
    # started at T + 2 (its OrderStarted), planned for T - 20; the workflow is not in the inventory: /name
    assert f'count{{controller_id="{CID}",workflow="/team/greet"}} 1.0' in text
    assert f'sum{{controller_id="{CID}",workflow="/team/greet"}} 0.022' in text
