"""Task history rows as the History writes them, for the Monitor's tests."""

from __future__ import annotations

from stellwerk.cockpit.db.enums import HistoryState
from stellwerk.cockpit.db.repositories.order_history import OrderHistoryRepository, OrderStarted
from stellwerk.cockpit.db.repositories.task_history import TaskEnded, TaskHistoryRepository, TaskStarted
from stellwerk.cockpit.db.session import Database

T0 = 1_767_225_600_000


async def o1_tasks(
    database: Database, *spans: tuple[int, int, HistoryState], controller_id: str = "c"
) -> list[int]:
    """Tasks of order o1 on /w (job j): (start EventId, end time, severity); a task starts at EventId/1000."""
    async with database.session() as db:
        started = OrderStarted(
            controller_id=controller_id, order_id="o1", workflow_path="/w", workflow_version_id="v", start_time=T0,
            start_event_id=T0 * 1000, position="0",
        )  # fmt: skip
        history_id = await OrderHistoryRepository(db).add(started, T0)
        tasks, ids = TaskHistoryRepository(db), []
        for start_event_id, end_time, severity in spans:
            task = TaskStarted(
                controller_id=controller_id, history_order_id=history_id, order_id="o1", workflow_path="/w",
                workflow_version_id="v", job_name="j", position="0", agent_id="a", agent_url="https://a",
                start_time=start_event_id // 1000, start_event_id=start_event_id,
            )  # fmt: skip
            task_id = await tasks.add(task, T0)
            await tasks.end(task_id, TaskEnded(end_time=end_time, severity=severity), T0)
            ids.append(task_id)
    return ids
