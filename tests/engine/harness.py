"""Helpers for pure-engine tests: build a state, add orders, derive events, report job outcomes."""

from __future__ import annotations

from typing import Any

import msgspec

from stellwerk.engine.apply import apply_event
from stellwerk.engine.derive import derive
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model.items import Board, GlobalBoard, LockItem, PlannableBoard
from stellwerk.model.outcome import Failed, Outcome, Succeeded
from stellwerk.model.workflow import Workflow

T0 = 1_714_543_200_000  # 2024-05-01T06:00:00Z


def workflow(path: str, body: dict[str, Any], version: str = "v1") -> Workflow:
    raw = {"TYPE": "Workflow", "path": path, "versionId": version, **body}
    return msgspec.json.decode(msgspec.json.encode(raw), type=Workflow)


def shell_job(agent: str = "agentA", **fields: Any) -> dict[str, Any]:
    return {"agentPath": agent, "executable": {"TYPE": "ShellScriptExecutable", "script": "exit 0"}, **fields}


def state_with(
    *workflows: Workflow, locks: tuple[LockItem, ...] = (), boards: tuple[Board, ...] = ()
) -> EngineState:
    state = EngineState()
    for w in workflows:
        state.add_workflow(w)
    for lock in locks:
        state.locks[lock.path] = lock
    for board in boards:
        state.boards[board.path] = board
    return state


def add_order(state: EngineState, order_id: str, workflow_path: str, **fields: Any) -> None:
    added = e.OrderAdded(workflow_id=state.latest_workflow[workflow_path], **fields)
    problem = apply_event(state, e.KeyedEvent(order_id, added))
    assert problem is None, problem


def run(state: EngineState, *order_ids: str, now: int = T0) -> list[e.KeyedEvent]:
    return derive(state, order_ids or list(state.orders), now)


def process(state: EngineState, order_id: str, outcome: Outcome, now: int = T0) -> list[e.KeyedEvent]:
    """Report a job's outcome as the shell would, then derive what follows."""
    keyed = e.KeyedEvent(order_id, e.OrderProcessed(outcome=outcome))
    problem = apply_event(state, keyed)
    assert problem is None, problem
    return [keyed, *derive(state, [order_id], now)]


def rc(code: int, **values: Any) -> Succeeded:
    return Succeeded(named_values={"returnCode": code, **values})


def failed_rc(code: int) -> Failed:
    return Failed(named_values={"returnCode": code})


def names(events: list[e.KeyedEvent]) -> list[str]:
    return [type(k.event).__name__ for k in events]


def lock_item(path: str, limit: int = 1) -> LockItem:
    return LockItem(path=path, limit=limit)


def apply(state: EngineState, order_id: str, event: e.Event) -> e.KeyedEvent:
    """Apply an event as a command or the shell would (e.g. OrderCancelled), asserting that it applies."""
    keyed = e.KeyedEvent(order_id, event)
    problem = apply_event(state, keyed)
    assert problem is None, problem
    return keyed


def pairs(events: list[e.KeyedEvent]) -> list[tuple[str, e.Event]]:
    return [(k.key, k.event) for k in events]


def global_board(path: str, key: str, end_of_life: str | None = None) -> GlobalBoard:
    """A GlobalBoard whose post and expect keys are the same expression."""
    return GlobalBoard(
        path=path, post_order_to_notice_key=key, expect_order_to_notice_key=key, end_of_life=end_of_life
    )


def plannable_board(path: str, key: str = '""') -> PlannableBoard:
    return PlannableBoard(path=path, post_order_to_notice_key=key, expect_order_to_notice_key=key)
