"""Inventory items other than workflows (engine JSON)."""

from __future__ import annotations

from typing import Any

import msgspec

from stellwerk.model.jobs import Expr
from stellwerk.model.position import Position
from stellwerk.model.workflow import WorkflowId


class _Item(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag_field="TYPE",
    omit_defaults=True,
    forbid_unknown_fields=True,
):
    item_revision: int | None = msgspec.field(default=None, name="itemRevision")


class JobResource(_Item, tag="JobResource", frozen=True, kw_only=True):
    path: str = ""
    variables: dict[str, Expr] = {}
    env: dict[str, Expr] = {}


class LockItem(_Item, tag="Lock", frozen=True, kw_only=True):
    path: str = ""
    limit: int = 1


class GlobalBoard(_Item, tag="GlobalBoard", frozen=True, kw_only=True):
    path: str = ""
    post_order_to_notice_key: Expr = msgspec.field(name="postOrderToNoticeKey")
    expect_order_to_notice_key: Expr = msgspec.field(name="expectOrderToNoticeKey")
    end_of_life: Expr | None = msgspec.field(default=None, name="endOfLife")


class PlannableBoard(_Item, tag="PlannableBoard", frozen=True, kw_only=True):
    path: str = ""
    post_order_to_notice_key: Expr = msgspec.field(default='""', name="postOrderToNoticeKey")
    expect_order_to_notice_key: Expr = msgspec.field(default='""', name="expectOrderToNoticeKey")


Board = GlobalBoard | PlannableBoard


class FileWatch(_Item, tag="FileWatch", frozen=True, kw_only=True):
    path: str = ""
    workflow_path: str = msgspec.field(name="workflowPath")
    agent_path: str = msgspec.field(name="agentPath")
    directory_expr: Expr = msgspec.field(name="directoryExpr")
    pattern: str | None = None
    order_id_expression: Expr | None = msgspec.field(default=None, name="orderIdExpression")
    order_expr: Expr | None = msgspec.field(default=None, name="orderExpr")
    delay: int = 0


class AgentRef(_Item, tag="AgentRef", frozen=True, kw_only=True):
    path: str = ""
    directors: tuple[str, ...] = ()
    uri: str | None = None
    process_limit: int | None = msgspec.field(default=None, name="processLimit")
    require_failover_confirmation: bool = msgspec.field(default=False, name="requireFailoverConfirmation")


class SubagentItem(_Item, tag="SubagentItem", frozen=True, kw_only=True):
    id: str
    agent_path: str = msgspec.field(name="agentPath")
    uri: str
    disabled: bool = False


class SubagentBundle(_Item, tag="SubagentBundle", frozen=True, kw_only=True):
    id: str
    # Priorities are numbers or expressions yielding a number or missing.
    subagent_to_priority: dict[str, int | Expr] = msgspec.field(name="subagentToPriority")


class Calendar(_Item, tag="Calendar", frozen=True, kw_only=True):
    """The engine's calendar: how a Cycle finds its order day in the order id."""

    path: str = "dailyPlan"
    date_offset: int = msgspec.field(default=0, name="dateOffset")
    order_id_pattern: str = msgspec.field(default="#([^#]+)#.*", name="orderIdPattern")
    period_date_pattern: str = msgspec.field(default="yyyy-MM-dd", name="periodDatePattern")


class PlanSchema(_Item, tag="PlanSchema", frozen=True, kw_only=True):
    id: str
    unknown_plan_is_open_function: Expr | None = msgspec.field(default=None, name="unknownPlanIsOpenFunction")
    named_values: dict[str, Any] = msgspec.field(default_factory=dict, name="namedValues")


class WorkflowPathControl(_Item, tag="WorkflowPathControl", frozen=True, kw_only=True):
    """Made by the ControlWorkflowPath command, not deployed: every version of the workflow `path` is suspended
    (its orders start no new instruction) and the jobs labelled in `skip` are skipped (js7-reference §3.0)."""

    path: str = ""
    suspended: bool = False
    skip: tuple[str, ...] = ()


class WorkflowControl(_Item, tag="WorkflowControl", frozen=True, kw_only=True):
    """Made by the ControlWorkflow command: an order arriving at a breakpoint of this workflow version is
    suspended there (JOC's "stop" of a job); resuming it goes on from there."""

    id: WorkflowId
    breakpoints: tuple[Position, ...] = ()


SimpleItem = (
    JobResource
    | LockItem
    | GlobalBoard
    | PlannableBoard
    | FileWatch
    | AgentRef
    | SubagentItem
    | SubagentBundle
    | Calendar
    | PlanSchema
    | WorkflowPathControl
    | WorkflowControl
)
