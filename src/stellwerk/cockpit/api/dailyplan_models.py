"""JOC's request bodies of the Daily Plan endpoints (modelled on the JOC schemas dailyplan/generate,
orderManagement/dailyplan/dailyPlanOrdersFilter, orderManagement/modify/dailyPlan*Orders,
orderManagement/dailyplan/dailyPlanModifyOrder, dailyplan/submissions)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from stellwerk.cockpit.api.models import Audited, JocModel
from stellwerk.cockpit.api.orders_models import ControllerId, Folder, Path

DATE = r"^\d{4}-\d{2}-\d{2}$"
DateText = Field(pattern=DATE)


class PathItem(JocModel):
    folders: list[Folder] = []
    singles: list[Path] = []


class GenerateRequest(Audited):
    controller_id: ControllerId
    daily_plan_date: str | None = Field(default=None, pattern=DATE)
    daily_plan_dates: list[str] = Field(default=[], max_length=366)
    schedule_paths: PathItem | None = None
    workflow_paths: PathItem | None = None
    overwrite: bool = False
    with_submit: bool = False
    include_non_auto_planned_orders: bool = False


class PlanOrdersFilter(Audited):
    """dailyPlanOrdersFilterBase and its extensions; `controllerId` is taken as one of `controllerIds`."""

    controller_id: ControllerId | None = None
    controller_ids: list[ControllerId] = []
    daily_plan_date_from: str | None = Field(default=None, pattern=DATE)
    daily_plan_date_to: str | None = Field(default=None, pattern=DATE)
    order_ids: list[Path] = []
    schedule_paths: list[Path] = []
    workflow_paths: list[Path] = []
    schedule_folders: list[Folder] = []
    workflow_folders: list[Folder] = []
    states: list[str] = []
    submission_history_ids: list[int] = []
    late: bool | None = None
    expand_cycle_orders: bool = False
    workflow_tags: list[str] = []
    order_tags: list[str] = []


class CopyPlanOrders(Audited):
    """dailyPlanCopyOrder (and the part of dailyPlanModifyOrder it shares)."""

    controller_id: ControllerId
    order_ids: list[Path] = Field(min_length=1)
    scheduled_for: str | None = Field(default=None, max_length=64)
    time_zone: str | None = Field(default=None, max_length=255)
    force_job_admission: bool = False
    stick_daily_plan_date: bool = False
    cycle: dict[str, Any] | None = None


class ModifyPlanOrders(CopyPlanOrders):
    variables: dict[str, Any] | None = None
    remove_variables: list[str] = []
    daily_plan_date: str | None = Field(default=None, pattern=DATE)
    start_position: Any = None
    end_positions: list[Any] = []
    block_position: Any = None


class SubmissionsFilter(JocModel):
    date_for: str | None = Field(default=None, pattern=DATE)
    date_from: str | None = Field(default=None, pattern=DATE)
    date_to: str | None = Field(default=None, pattern=DATE)


class SubmissionsRequest(Audited):
    controller_id: ControllerId
    filter: SubmissionsFilter


class ProjectionsRequest(JocModel):
    date_from: str | None = Field(default=None, pattern=DATE)
    date_to: str | None = Field(default=None, pattern=DATE)
    controller_ids: list[ControllerId] = []
    schedule_paths: list[Path] = []
    schedule_folders: list[Folder] = []
    workflow_paths: list[Path] = []
    workflow_folders: list[Folder] = []
    without_start_time: bool = False
