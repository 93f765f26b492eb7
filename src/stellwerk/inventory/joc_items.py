"""Inventory items in JOC's dialect (for decoding only): workflow, lock, notice board, job resource, file order
source, and the JOC-only calendar, schedule and job template, which are checked at their top level only."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from stellwerk.inventory.joc_instructions import JocInstruction
from stellwerk.inventory.joc_jobs import JocExecutable, JocOrderPreparation


class _Joc(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, rename="camel"):
    version: str | None = None
    title: str | None = None
    documentation_name: str | None = None


class JocWorkflow(_Joc, frozen=True, kw_only=True):
    TYPE: Literal["Workflow"] = "Workflow"
    version_id: str | None = None
    time_zone: str = "Etc/UTC"
    day_offset: str | None = None
    order_preparation: JocOrderPreparation | None = None
    job_resource_names: tuple[str, ...] = ()
    instructions: tuple[JocInstruction, ...]
    jobs: dict[str, dict[str, Any]] = {}  # decoded job by job, so that problems name the job


class JocLock(_Joc, frozen=True, kw_only=True):
    TYPE: Literal["Lock"] = "Lock"
    limit: int = 1


class JocBoard(_Joc, frozen=True, kw_only=True):
    TYPE: Literal["Board", "PlannableBoard"] = "Board"
    board_type: Literal["GLOBAL", "PLANNABLE"] | None = None
    post_order_to_notice_id: str | None = None
    expect_order_to_notice_id: str | None = None
    end_of_life: str | None = None


class JocJobResource(_Joc, frozen=True, kw_only=True):
    TYPE: Literal["JobResource"] = "JobResource"
    arguments: dict[str, str] = {}
    env: dict[str, str] = {}


class JocFileOrderSource(_Joc, frozen=True, kw_only=True):
    TYPE: Literal["FileWatch", "FileOrderSource"] = "FileWatch"
    workflow_name: str
    agent_name: str
    directory_expr: str | None = None
    directory: str | None = None
    pattern: str | None = None
    time_zone: str | None = None
    delay: int | None = None
    priority: int | None = None
    tags: tuple[str, ...] = ()


class JocCalendar(_Joc, frozen=True, kw_only=True):
    id: int | None = None
    path: str | None = None
    name: str | None = None
    type: Literal["WORKINGDAYSCALENDAR", "NONWORKINGDAYSCALENDAR"] | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    includes: dict[str, Any]
    excludes: dict[str, Any] | None = None


class JocSchedule(_Joc, frozen=True, kw_only=True):
    path: str | None = None
    workflow_name: str | None = None
    workflow_names: tuple[str, ...] | None = None
    submit_order_to_controller_when_planned: bool = False
    plan_order_automatically: bool = False
    calendars: tuple[dict[str, Any], ...]
    non_working_day_calendars: tuple[dict[str, Any], ...] | None = None
    order_parameterisations: tuple[dict[str, Any], ...] | None = None


class JocJobTemplate(_Joc, frozen=True, kw_only=True):
    executable: JocExecutable
    admission_time_scheme: dict[str, Any] | None = None
    skip_if_no_admission_for_order_day: bool = False
    kill_at_end_of_admission_period: bool = False
    parallelism: int = 1
    timeout: int | None = None
    grace_timeout: int | None = None
    fail_on_err_written: bool = False
    warn_on_err_written: bool = False
    arguments: dict[str, dict[str, Any]] | None = None
    default_arguments: dict[str, str] = {}
    job_resource_names: tuple[str, ...] = ()
    description: str | None = None
    criticality: Literal["NORMAL", "CRITICAL", "MINOR", "MAJOR"] | None = None
    warn_if_shorter: str | None = None
    warn_if_longer: str | None = None
    notification: dict[str, Any] | None = None
    hash: str | None = None
    is_not_restartable: bool = False
