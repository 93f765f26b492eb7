"""What the Monitor reads of the History on every backend: the task each OrderProcessed ended (a retry that
starts and ends in the millisecond its first try ended is told apart by EventIds), and the job's average."""

from __future__ import annotations

from stellwerk.cockpit.db.enums import HistoryState
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.services.monitor.store import average_duration, ended_tasks
from tests.cockpit.services.monitor.history_rows import T0, o1_tasks


async def test_each_event_finds_the_task_it_ended(database: Database) -> None:
    first, retry = await o1_tasks(
        database,
        (T0 * 1000 + 1, T0 + 5, HistoryState.FAILED),
        (T0 * 1000 + 5_003, T0 + 5, HistoryState.SUCCESSFUL),  # started and ended in the same millisecond
    )
    async with database.session() as db:
        found = await ended_tasks(
            db, "c", [("o1", (T0 + 5) * 1000 + 2, T0 + 5), ("o1", (T0 + 5) * 1000 + 9, T0 + 5), ("o2", 1, 0)]
        )
    assert {event_id: task.task_id for event_id, task in found.items()} == {
        (T0 + 5) * 1000 + 2: first,
        (T0 + 5) * 1000 + 9: retry,
    }
    assert found[(T0 + 5) * 1000 + 9].workflow_path == "/w" and found[(T0 + 5) * 1000 + 9].job_name == "j"


async def test_the_average_counts_earlier_successful_steps_of_the_job(database: Database) -> None:
    *_, last = await o1_tasks(
        database,
        (T0 * 1000, T0 + 1_000, HistoryState.SUCCESSFUL),
        (T0 * 1000, T0 + 3_000, HistoryState.SUCCESSFUL),
        (T0 * 1000, T0 + 9_000, HistoryState.FAILED),
        (T0 * 1000, T0 + 60_000, HistoryState.SUCCESSFUL),
    )
    async with database.session() as db:
        [task] = (await ended_tasks(db, "c", [("o1", (T0 + 60_000) * 1000 + 1, T0 + 60_000)])).values()
        assert task.task_id == last
        assert await average_duration(db, "c", task) == 2_000.0
