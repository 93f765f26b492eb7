"""The engine's state: items and orders, changed only by `apply_event`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import msgspec

from stellwerk.engine.item_state import AgentRecord, ExternalOrderRecord
from stellwerk.engine.subagent_selection import SubagentView
from stellwerk.model.instructions import ExecuteAnonymous, ExecuteNamed, LockDemand
from stellwerk.model.items import (
    AgentRef,
    Board,
    Calendar,
    FileWatch,
    JobResource,
    LockItem,
    PlanSchema,
    SubagentBundle,
    SubagentItem,
    WorkflowControl,
    WorkflowPathControl,
)
from stellwerk.model.jobs import WorkflowJob
from stellwerk.model.order import Forked, NoticeId, Order
from stellwerk.model.position import Position, to_string
from stellwerk.model.workflow import Workflow, WorkflowId, instruction_at, job_of

Role = Literal["local", "controller", "agent"]


def board_of(notice_id: NoticeId) -> str:
    """Global ["BOARD", "KEY"]; planned ["PLANSCHEMA", "PLANKEY", "BOARD", "KEY"?]."""
    return notice_id[0] if len(notice_id) <= 2 else notice_id[2]


def job_key(workflow: Workflow, position: Position) -> str:
    """The job's name, or the position of an anonymous job."""
    instruction = instruction_at(workflow, position)
    if isinstance(instruction, ExecuteNamed):
        return instruction.job_name
    return to_string(position)


def job_of_order(state: EngineState, order: Order) -> WorkflowJob | None:
    """The job at the order's position, if it stands at an Execute."""
    workflow = state.workflows.get(order.workflow_id)
    instruction = instruction_at(workflow, order.position) if workflow else None
    if isinstance(instruction, ExecuteNamed | ExecuteAnonymous):
        return job_of(workflow, instruction) if workflow else None
    return None


class LockState(msgspec.Struct, kw_only=True):
    """Holders with their count (None = exclusive) and the FIFO queue of waiting orders."""

    holders: dict[str, int | None] = msgspec.field(default_factory=dict)
    queue: list[str] = msgspec.field(default_factory=list)

    def used(self) -> int:
        return sum(1 if c is None else c for c in self.holders.values())

    def is_exclusively_held(self) -> bool:
        return any(c is None for c in self.holders.values())


class Notice(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    id: NoticeId
    end_of_life: int | None = msgspec.field(default=None, name="endOfLife")


@dataclass(slots=True)
class EngineState:
    """Registries of one node. Mutable maps, but only `stellwerk.engine.apply.apply_event` changes them."""

    controller_id: str = "stellwerk"
    workflows: dict[WorkflowId, Workflow] = field(default_factory=dict)
    latest_workflow: dict[str, WorkflowId] = field(default_factory=dict)
    locks: dict[str, LockItem] = field(default_factory=dict)
    boards: dict[str, Board] = field(default_factory=dict)
    job_resources: dict[str, JobResource] = field(default_factory=dict)
    calendars: dict[str, Calendar] = field(default_factory=dict)
    file_watches: dict[str, FileWatch] = field(default_factory=dict)
    agent_refs: dict[str, AgentRef] = field(default_factory=dict)
    subagent_items: dict[str, SubagentItem] = field(default_factory=dict)
    subagent_bundles: dict[str, SubagentBundle] = field(default_factory=dict)
    plan_schemas: dict[str, PlanSchema] = field(default_factory=dict)
    # Made by commands, not deployed: by workflow path, and by workflow version ("W~v1").
    workflow_path_controls: dict[str, WorkflowPathControl] = field(default_factory=dict)
    workflow_controls: dict[str, WorkflowControl] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    lock_states: dict[str, LockState] = field(default_factory=dict)
    notices: dict[NoticeId, Notice] = field(default_factory=dict)
    # Notices of plannable boards announced (OrderNoticeAnnounced) and not yet posted: availability False.
    announced: set[NoticeId] = field(default_factory=set)
    # Orders that wait for a notice, by notice id: re-checked when it is posted.
    expecting: dict[NoticeId, set[str]] = field(default_factory=dict)
    # Notice ids each order is consuming, innermost ConsumeNotices block last.
    consumptions: dict[str, list[tuple[NoticeId, ...]]] = field(default_factory=dict)
    # Orders in Processing by (workflow path, job key): the job's process limit counts them.
    processing: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # Orders in Processing by the Agent of their job: the AgentRef's processLimit counts them.
    agent_processing: dict[str, set[str]] = field(default_factory=dict)
    # Orders in Processing by Subagent (Agent): `$js7SubagentProcessCount` and the bundle variables count them.
    subagent_processing: dict[str, set[str]] = field(default_factory=dict)
    # The Subagent last selected for each target (bundle, pool, Subagent; "" the local one): round-robin goes on
    # after it. Not journaled: after a restart round-robin starts again at the first member.
    subagent_cursor: dict[str, str] = field(default_factory=dict)
    # Given by the Director's shell: the Subagents it reaches now. None where no Director selects (Controller,
    # `stellwerk run`): the process then runs on the subagent named like the Agent.
    subagent_view: SubagentView | None = None
    # Items known at each Agent (Controller), by Agent path.
    attached_items: dict[str, set[str]] = field(default_factory=dict)
    # Agents by path (Controller), or this Agent under its own path (Agent).
    agents: dict[str, AgentRecord] = field(default_factory=dict)
    # Readers of the journal and the event id up to which each released it.
    released: dict[str, int] = field(default_factory=dict)
    # Files seen by FileWatches, by (FileWatch path, file name).
    external_orders: dict[tuple[str, str], ExternalOrderRecord] = field(default_factory=dict)
    # The Agent process environment for env('NAME'), given by the shell (the core reads no environment).
    agent_env: dict[str, str] = field(default_factory=dict)
    # Where this engine runs: "local" (`stellwerk run`: the agents live in the same process, so attaching and
    # detaching complete at once), "controller" (an attached order belongs to its Agent until it comes back),
    # or "agent" (derives the events of the orders attached to it, until the Controller detaches them).
    role: Role = "local"

    @property
    def local_agents(self) -> bool:
        return self.role == "local"

    def add_workflow(self, workflow: Workflow) -> None:
        self.workflows[workflow.id] = workflow
        self.latest_workflow[workflow.path] = workflow.id

    def workflow_of(self, order: Order) -> Workflow:
        return self.workflows[order.workflow_id]

    def processing_of(self, order: Order) -> set[str]:
        key = (order.workflow_id.path, job_key(self.workflow_of(order), order.position))
        found = self.processing.get(key)
        if found is None:
            found = self.processing[key] = set()
        return found

    def agent_processing_of(self, order: Order) -> set[str]:
        """The orders in Processing at the Agent of the job the order stands at."""
        job = job_of_order(self, order)
        agent_path = job.agent_path if job is not None else ""
        found = self.agent_processing.get(agent_path)
        if found is None:
            found = self.agent_processing[agent_path] = set()
        return found

    def agent_process_limit(self, agent_path: str) -> int | None:
        """The AgentRef's processLimit (None: no limit)."""
        agent_ref = self.agent_refs.get(agent_path)
        return agent_ref.process_limit if agent_ref is not None else None

    def lock_state(self, path: str) -> LockState:
        state = self.lock_states.get(path)
        if state is None:
            state = self.lock_states[path] = LockState()
        return state

    def children_of(self, order: Order) -> list[Order]:
        if not isinstance(order.state, Forked):
            return []
        return [self.orders[c.order_id] for c in order.state.children if c.order_id in self.orders]

    def demands_available(self, demands: tuple[LockDemand, ...], order_id: str) -> bool:
        for demand in demands:
            lock = self.locks.get(demand.lock_path)
            if lock is None:
                return False
            state = self.lock_states.get(demand.lock_path) or LockState()
            if order_id in state.holders or state.is_exclusively_held():
                return False
            if demand.count is None and state.holders:
                return False
            if demand.count is not None and state.used() + demand.count > lock.limit:
                return False
        return True
