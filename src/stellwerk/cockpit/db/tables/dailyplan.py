"""Daily-plan tables: planned orders, submissions and projections (filled by the Daily Plan service)."""

from __future__ import annotations

import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stellwerk.cockpit.db.base import Base, ControllerId, Json, Key, Millis, Name, table_args
from stellwerk.cockpit.db.enums import (
    DailyPlanOrderState,
)


class DailyPlanSubmission(Base):
    """One submission of a plan date's orders to a Controller."""

    __tablename__ = "dpl_submissions"
    __table_args__ = table_args(Index(None, "controller_id", "plan_date"))
    id: Mapped[Key]
    controller_id: Mapped[ControllerId]
    plan_date: Mapped[datetime.date]
    account: Mapped[str | None]
    submitted: Mapped[Millis]


class DailyPlanOrder(Base):
    """A planned order: one start of a schedule on a plan date (cyclic ones carry their repeat interval)."""

    __tablename__ = "dpl_orders"
    __table_args__ = table_args(
        UniqueConstraint("controller_id", "order_id"),
        Index(None, "controller_id", "plan_date", "state"),
        Index(None, "schedule_name"),
        Index(None, "workflow_name"),
    )
    id: Mapped[Key]
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("dpl_submissions.id", ondelete="SET NULL"), index=True
    )
    controller_id: Mapped[ControllerId]
    plan_date: Mapped[datetime.date]
    order_id: Mapped[Name]
    order_name: Mapped[str | None]
    workflow_path: Mapped[Name]
    workflow_name: Mapped[Name]
    schedule_path: Mapped[Name]
    schedule_name: Mapped[Name]
    planned_start: Mapped[Millis]
    expected_end: Mapped[Millis | None]
    repeat_interval: Mapped[int | None]  # seconds
    period_begin: Mapped[Millis | None]
    period_end: Mapped[Millis | None]
    state: Mapped[DailyPlanOrderState]
    arguments: Mapped[Json | None]
    created: Mapped[Millis]
    modified: Mapped[Millis]


class DailyPlanProjection(Base):
    """The projected starts of one month, as JSON."""

    __tablename__ = "dpl_projections"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # yyyy-mm
    content: Mapped[Json]
    created: Mapped[Millis]
