"""Order and task history written from events, listed with filters in keyset pages; logs in chunks."""

from __future__ import annotations

import datetime

from stellwerk.cockpit.db.enums import HistoryState, OrderStateText
from stellwerk.cockpit.db.repositories.folders import FolderFilter
from stellwerk.cockpit.db.repositories.history_query import HistoryFilter
from stellwerk.cockpit.db.repositories.logs import LogBlock, LogRepository, LogSource
from stellwerk.cockpit.db.repositories.order_history import (
    OrderChanged,
    OrderHistoryRepository,
    OrderStarted,
)
from stellwerk.cockpit.db.repositories.task_history import (
    TaskEnded,
    TaskFilter,
    TaskHistoryRepository,
    TaskStarted,
)
from stellwerk.cockpit.db.session import Database


def started(
    order_id: str, start: int, workflow: str = "/f/wf", controller: str = "c", **more: object
) -> OrderStarted:
    fields: dict[str, object] = {
        "controller_id": controller,
        "order_id": order_id,
        "workflow_path": workflow,
        "workflow_version_id": "v1",
        "start_time": start,
        "start_event_id": start * 1000,
        "position": "0",
    }
    return OrderStarted(**{**fields, **more})  # type: ignore[arg-type]


def task(history_order_id: int, start: int, job: str = "job") -> TaskStarted:
    return TaskStarted(
        controller_id="c",
        history_order_id=history_order_id,
        order_id="o",
        workflow_path="/f/wf",
        workflow_version_id="v1",
        job_name=job,
        position="0",
        agent_id="agent",
        agent_url="https://agent",
        start_time=start,
        start_event_id=start,
    )


FINISHED = OrderChanged(
    state=OrderStateText.FINISHED, severity=HistoryState.SUCCESSFUL, position="1", end_time=9
)


async def test_an_order_runs_and_finishes(database: Database) -> None:
    async with database.session() as session:
        history = OrderHistoryRepository(session)
        plan = datetime.date(2026, 11, 22)
        history_id = await history.add(
            started("#2026-11-22#T1-a", 5, plan_date=plan, arguments='{"x":1}'), now=5
        )
        running = await history.latest("c", "#2026-11-22#T1-a", running=True)
        assert running is not None and running.history_id == history_id
        assert (running.workflow_name, running.workflow_folder, running.plan_date) == ("wf", "/f", plan)
        assert await history.update(history_id, FINISHED, now=9) is True
        assert await history.update(history_id + 1000, FINISHED, now=9) is False
        done = await history.get(history_id)
    assert done is not None
    assert (done.state, done.severity, done.position, done.end_time, done.arguments) == (
        OrderStateText.FINISHED,
        HistoryState.SUCCESSFUL,
        "1",
        9,
        '{"x":1}',
    )


async def test_child_orders_are_nested_not_listed(database: Database) -> None:
    async with database.session() as session:
        history = OrderHistoryRepository(session)
        parent = await history.add(started("p", 1), now=1)
        child = await history.add(started("p|a", 2, parent_id=parent), now=2)
        assert [o.history_id for o in await history.children(parent)] == [child]
        assert [o.order_id for o in (await history.search(HistoryFilter())).items] == ["p"]
        everything = await history.search(HistoryFilter(), main_orders_only=False)
        assert [o.order_id for o in everything.items] == ["p|a", "p"]


async def test_pages_follow_each_other_newest_first(database: Database) -> None:
    async with database.session() as session:
        history = OrderHistoryRepository(session)
        for n in range(7):
            await history.add(started(f"o{n}", 100 + n // 2), now=1)  # pairs share a start time
        seen, wanted = [], HistoryFilter(controller_id="c", limit=3)
        while True:
            page = await history.search(wanted)
            seen.append([o.order_id for o in page.items])
            if page.next is None:
                break
            wanted = HistoryFilter(controller_id="c", limit=3, after=page.next)
    assert seen == [["o6", "o5", "o4"], ["o3", "o2", "o1"], ["o0"]]


async def test_filters_of_the_history_view(database: Database) -> None:
    async with database.session() as session:
        history = OrderHistoryRepository(session)
        ok = await history.add(started("ok", 10, "/a/wf1"), now=1)
        failed = await history.add(started("failed", 20, "/a/b/wf2"), now=1)
        await history.add(started("other", 30, "/z/wf3", controller="d"), now=1)
        await history.update(ok, FINISHED, now=2)
        await history.update(
            failed, OrderChanged(state=OrderStateText.FAILED, severity=HistoryState.FAILED), 2
        )

        async def ids(**filters: object) -> list[str]:
            page = await history.search(HistoryFilter(**filters))  # type: ignore[arg-type]
            return [o.order_id for o in page.items]

        assert await ids() == ["other", "failed", "ok"]
        assert await ids(controller_id="c") == ["failed", "ok"]
        assert await ids(severities=(HistoryState.FAILED,)) == ["failed"]
        assert await ids(workflow_names=("wf1", "wf3")) == ["other", "ok"]
        assert await ids(folders=(FolderFilter(folder="/a"),)) == ["failed", "ok"]
        assert await ids(folders=(FolderFilter(folder="/a", recursive=False),)) == ["ok"]
        assert await ids(date_from=20, date_to=30) == ["failed"]
        assert await ids(completed_from=9, completed_to=10) == ["ok"]
        assert await ids(order_id="other") == ["other"]


async def test_tasks_start_end_and_list(database: Database) -> None:
    async with database.session() as session:
        orders, tasks = OrderHistoryRepository(session), TaskHistoryRepository(session)
        order = await orders.add(started("o", 1), now=1)
        first = await tasks.add(task(order, 2, "extract"), now=2)
        second = await tasks.add(task(order, 3, "load"), now=3)
        ended = TaskEnded(end_time=4, severity=HistoryState.FAILED, return_code=3, error_text="exit 3")
        assert await tasks.end(first, ended, now=4) is True
        assert await tasks.end(first + 1000, ended, now=4) is False
        done = await tasks.get(first)
        assert done is not None
        assert (done.job_name, done.return_code, done.severity, done.workflow_name) == (
            "extract",
            3,
            "FAILED",
            "wf",
        )
        assert [t.task_id for t in await tasks.of_order(order)] == [first, second]
        running = await tasks.search(TaskFilter(severities=(HistoryState.INCOMPLETE,)))
        assert [t.task_id for t in running.items] == [second]
        assert [t.task_id for t in (await tasks.search(TaskFilter(job_names=("extract",)))).items] == [first]
        assert [t.task_id for t in (await tasks.search(TaskFilter(task_ids=(second,)))).items] == [second]
        by_order = await tasks.search(
            TaskFilter(history_order_ids=(order,), criticalities=("NORMAL",), limit=1)
        )
        assert [t.task_id for t in by_order.items] == [second] and by_order.next is not None


async def test_logs_grow_in_compressed_chunks(database: Database) -> None:
    async with database.session() as session:
        order = await OrderHistoryRepository(session).add(started("o", 1), now=1)
        task_id = await TaskHistoryRepository(session).add(task(order, 2), now=2)
        logs = LogRepository(session)
        first = await logs.append(order, "stdout: hello\n", now=3, task_id=task_id)
        await logs.append(order, "OrderStarted\n", now=3)
        big = "line ✓ " * 20_000  # 160 KB: more than MariaDB's BLOB
        await logs.append(order, big, now=4, task_id=task_id)
        assert await logs.task_log(task_id) == "stdout: hello\n" + big
        assert await logs.order_log(order) == "OrderStarted\n"
        tail = await logs.task_log_after(task_id, first)
        assert tail.text == big and tail.last_chunk_id > first
        assert await logs.task_log_after(task_id, tail.last_chunk_id) == tail.__class__(
            text="", last_chunk_id=tail.last_chunk_id
        )
        assert await logs.size(task_id) == len(("stdout: hello\n" + big).encode())
        assert (await logs.order_log_after(order, 0)).text == "OrderStarted\n"
        assert await logs.task_log(task_id + 1000) == ""


async def test_a_long_log_is_read_in_blocks_from_its_tail(database: Database) -> None:
    async with database.session() as session:
        order = await OrderHistoryRepository(session).add(started("o", 1), now=1)
        task_id = await TaskHistoryRepository(session).add(task(order, 2), now=2)
        logs = LogRepository(session)
        of_task, of_run = LogSource(task_id=task_id), LogSource(history_order_id=order)
        assert await logs.block_before(of_task, None, 100) == LogBlock(chunks=(), earlier=False)  # no log yet
        await logs.append(order, "OrderStarted\n", now=3)  # the order's own log is not the task's
        chunks = [await logs.append(order, f"line {n}\n", now=3, task_id=task_id) for n in range(5)]
        tail = await logs.block_before(of_task, None, 14)  # two chunks of 7 bytes
        assert [chunk.id for chunk in tail.chunks] == chunks[3:] and tail.earlier
        before = await logs.block_before(of_task, chunks[3], 14)
        assert "".join(chunk.text for chunk in before.chunks) == "line 1\nline 2\n" and before.earlier
        start = await logs.block_before(of_task, chunks[1], 14)
        assert [chunk.text for chunk in start.chunks] == ["line 0\n"] and not start.earlier
        assert [chunk.id for chunk in (await logs.block_before(of_task, None, 1)).chunks] == chunks[4:]
        whole = await logs.block_before(of_run, None, 1000)
        assert [chunk.task_id for chunk in whole.chunks] == [None] + [task_id] * 5 and not whole.earlier
        jobs = LogSource(history_order_id=order, jobs_only=True)
        assert [chunk.id for chunk in (await logs.chunks_after(jobs, 0, 3))] == chunks[:3]
