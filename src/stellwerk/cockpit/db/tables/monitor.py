"""The Monitor's notifications: of job steps (failed, warnings) and of components (Controller, Agent, Cockpit
node lost), each acknowledgeable once."""

from __future__ import annotations

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stellwerk.cockpit.db.base import Base, Key, Millis, Name, table_args


class MonitorNotification(Base):
    """One notification. `category` ORDER for a job step (with the step's order, workflow, job, position and
    task), else the component's category (CONTROLLER, AGENT, JOC, SYSTEM) with its id in `source`."""

    __tablename__ = "monitor_notifications"
    __table_args__ = table_args(
        Index("ix_monitor_notifications_created", "created", "id"),
        Index("ix_monitor_notifications_category", "category", "created", "id"),
    )
    id: Mapped[Key]
    type: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    controller_id: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None]
    order_id: Mapped[str | None]
    workflow_path: Mapped[str | None]
    job_name: Mapped[str | None]
    position: Mapped[str | None]
    task_id: Mapped[int | None]  # the task history row, kept as a number: cleanup may remove the row first
    agent_url: Mapped[str | None]
    criticality: Mapped[str | None] = mapped_column(String(20))
    task_state: Mapped[str | None] = mapped_column(String(20))
    return_code: Mapped[int | None]
    start_time: Mapped[Millis | None]
    end_time: Mapped[Millis | None]
    message: Mapped[str] = mapped_column(Text)
    recovered_id: Mapped[int | None]  # of a RECOVERED notification: the ERROR it recovers from
    created: Mapped[Millis]
    acknowledged_by: Mapped[Name | None]
    acknowledged: Mapped[Millis | None]
    acknowledgement_comment: Mapped[str | None] = mapped_column(Text)
