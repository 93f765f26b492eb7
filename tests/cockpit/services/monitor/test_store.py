"""What the Monitor reads of the History on every backend: the task each OrderProcessed ended (a retry that
starts and ends in the millisecond its first try ended is told apart by EventIds), and the job's average."""

from __future__ import annotations

from stellwerk.cockpit.db.enums import HistoryState
from stellwerk.cockpit.db.repositories.order_history import OrderHistoryRepository, OrderStarted
from stellwerk.cockpit.db.repositories.task_history import TaskEnded, TaskHistoryRepository, TaskStarted
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.services.monitor.store import average_duration, ended_tasks

T0 = 1_767_225_600_000


async def _tasks(database: Database, *spans: tuple[int, int, HistoryState]) -> list[int]:
    """Tasks of order o1 on /w (job j): (start EventId, end time, severity); a task starts at EventId/1000."""
    async with database.session() as db:
        started = OrderStarted(
            controller_id="c", order_id="o1", workflow_path="/w", workflow_version_id="v", start_time=T0,
            start_event_id=T0 * 1000, position="0",
        )  # fmt: skip
        history_id = await OrderHistoryRepository(db).add(started, T0)
        tasks, ids = TaskHistoryRepository(db), []
        for start_event_id, end_time, severity in spans:
            task = TaskStarted(
                controller_id="c", history_order_id=history_id, order_id="o1", workflow_path="/w",
                workflow_version_id="v", job_name="j", position="0", agent_id="a", agent_url="https://a",
                start_time=start_event_id // 1000, start_event_id=start_event_id,
            )  # fmt: skip
            task_id = await tasks.add(task, T0)
            await tasks.end(task_id, TaskEnded(end_time=end_time, severity=severity), T0)
            ids.append(task_id)
    return ids


async def test_each_event_finds_the_task_it_ended(database: Database) -> None:
    first, retry = await _tasks(
        database,
        (T0 * 1000 + 1, T0 + 5, HistoryState.FAILED),
        (T0 * 1000 + 5_003, T0 + 5, HistoryState.SUCCESSFUL),  # started and ended in the same millisecond
    )
    async with database.session() as db:
        found = await ended_tasks(
            db, "c", [("o1", (T0 + 5) * 1000 + 2), ("o1", (T0 + 5) * 1000 + 9), ("o2", 1)]
        )
    assert {event_id: task.task_id for event_id, task in found.items()} == {
        (T0 + 5) * 1000 + 2: first,
        (T0 + 5) * 1000 + 9: retry,
    }
    assert found[(T0 + 5) * 1000 + 9].workflow_path == "/w" and found[(T0 + 5) * 1000 + 9].job_name == "j"


async def test_the_average_counts_earlier_successful_steps_of_the_job(database: Database) -> None:
    *_, last = await _tasks(
        database,
        (T0 * 1000, T0 + 1_000, HistoryState.SUCCESSFUL),
        (T0 * 1000, T0 + 3_000, HistoryState.SUCCESSFUL),
        (T0 * 1000, T0 + 9_000, HistoryState.FAILED),
        (T0 * 1000, T0 + 60_000, HistoryState.SUCCESSFUL),
    )
    async with database.session() as db:
        [task] = (await ended_tasks(db, "c", [("o1", (T0 + 60_000) * 1000 + 1)])).values()
        assert task.task_id == last
        assert await average_duration(db, "c", task) == 2_000.0
