"""Order and task history, and the compressed log chunks of orders and tasks."""

from __future__ import annotations

import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stellwerk.cockpit.db.base import Base, ControllerId, Json, Key, LongBlob, Millis, Name, table_args
from stellwerk.cockpit.db.enums import (
    HistoryState,
    OrderStateText,
)


class HistoryOrder(Base):
    """An order's run as the History service saw it; child orders of a fork point to their parent."""

    __tablename__ = "history_orders"
    __table_args__ = table_args(
        # Every list is newest first by (start_time, id): keyset pages need the pair at the end of each index.
        Index("ix_history_orders_controller", "controller_id", "start_time", "id"),
        Index("ix_history_orders_start", "start_time", "id"),
        Index("ix_history_orders_severity", "controller_id", "severity", "start_time", "id"),
        Index("ix_history_orders_workflow", "controller_id", "workflow_name", "start_time", "id"),
        Index("ix_history_orders_folder", "controller_id", "workflow_folder", "start_time", "id"),
        Index("ix_history_orders_end", "controller_id", "end_time"),
        Index("ix_history_orders_order", "controller_id", "order_id"),
    )
    id: Mapped[Key]
    controller_id: Mapped[ControllerId]
    order_id: Mapped[Name]
    workflow_path: Mapped[Name]
    workflow_name: Mapped[Name]
    workflow_folder: Mapped[Name]
    workflow_version_id: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("history_orders.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[OrderStateText]
    severity: Mapped[HistoryState]
    start_time: Mapped[Millis]
    end_time: Mapped[Millis | None]
    planned_time: Mapped[Millis | None]
    plan_date: Mapped[datetime.date | None]
    position: Mapped[str] = mapped_column(String(255))
    arguments: Mapped[Json | None]
    error_text: Mapped[str | None] = mapped_column(Text)
    start_event_id: Mapped[int] = mapped_column(BigInteger)
    modified: Mapped[Millis]


class HistoryTask(Base):
    """A job execution (a step of an order on an Agent)."""

    __tablename__ = "history_tasks"
    __table_args__ = table_args(
        Index("ix_history_tasks_controller", "controller_id", "start_time", "id"),
        Index("ix_history_tasks_start", "start_time", "id"),
        Index("ix_history_tasks_severity", "controller_id", "severity", "start_time", "id"),
        Index("ix_history_tasks_job", "controller_id", "workflow_name", "job_name", "start_time", "id"),
        Index("ix_history_tasks_folder", "controller_id", "workflow_folder", "start_time", "id"),
    )
    id: Mapped[Key]
    controller_id: Mapped[ControllerId]
    history_order_id: Mapped[int] = mapped_column(
        ForeignKey("history_orders.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[Name]
    workflow_path: Mapped[Name]
    workflow_name: Mapped[Name]
    workflow_folder: Mapped[Name]
    workflow_version_id: Mapped[str] = mapped_column(String(64))
    job_name: Mapped[Name]
    label: Mapped[str | None]
    position: Mapped[str] = mapped_column(String(255))
    retry_counter: Mapped[int]
    agent_id: Mapped[Name]
    agent_url: Mapped[Name]
    subagent_id: Mapped[str | None]
    criticality: Mapped[str] = mapped_column(String(20))
    severity: Mapped[HistoryState]
    start_time: Mapped[Millis]
    end_time: Mapped[Millis | None]
    return_code: Mapped[int | None]
    error_text: Mapped[str | None] = mapped_column(Text)
    start_event_id: Mapped[int] = mapped_column(BigInteger)
    modified: Mapped[Millis]


class HistoryLogChunk(Base):
    """A compressed piece of a log: of a task (job output) or, with no task, of the order log itself."""

    __tablename__ = "history_log_chunks"
    __table_args__ = table_args(
        Index(None, "history_order_id", "task_id", "id"), Index(None, "task_id", "id")
    )
    id: Mapped[Key]
    history_order_id: Mapped[int] = mapped_column(ForeignKey("history_orders.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("history_tasks.id", ondelete="CASCADE"))
    size: Mapped[int]  # uncompressed bytes
    data: Mapped[bytes] = mapped_column(LongBlob)  # zlib
    created: Mapped[Millis]
