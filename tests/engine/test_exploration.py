"""Bounded exhaustive exploration of small workflows over job outcomes, cancel, suspend, resume and clock
advances, with the invariants of tests/engine/exploration.py checked at every reachable state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from stellwerk.engine import source
from stellwerk.engine.state import EngineState
from stellwerk.model import instructions as i
from stellwerk.model.items import Board, Calendar, GlobalBoard, LockItem
from tests.engine.exploration import explore
from tests.engine.harness import T0, add_order, shell_job, state_with, workflow

A = "agentA"


def job(name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": name, "label": name}


JOBS = {name: shell_job(A, processLimit=5) for name in ("a", "b", "c")}


@dataclass
class Case:
    name: str
    workflows: list[dict[str, Any]]
    orders: list[tuple[str, str, dict[str, Any]]]
    needs: tuple[type, ...] = ()
    depth: int = 14
    lost: bool = False
    locks: tuple[LockItem, ...] = ()
    boards: tuple[Board, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def state(self) -> EngineState:
        built = [workflow(w["path"], {k: v for k, v in w.items() if k != "path"}) for w in self.workflows]
        state = state_with(*built, locks=self.locks, boards=self.boards)
        state.calendars["dailyPlan"] = Calendar()
        for order_id, path, fields in self.orders:
            add_order(state, order_id, path, **fields)
        return state


def _w(path: str, *instructions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"path": path, "instructions": list(instructions), "jobs": JOBS, **extra}


FORK = {
    "TYPE": "Fork",
    "branches": [
        {"id": "x", "workflow": {"instructions": [job("a")]}},
        {"id": "y", "workflow": {"instructions": [job("b")]}},
    ],
}
RETRY = {
    "TYPE": "Try",
    "maxTries": 2,
    "retryDelays": [10],
    "try": {"instructions": [job("a")]},
    "catch": {"instructions": [{"TYPE": "Retry"}]},
}
IF_ELSE = {
    "TYPE": "If",
    "ifThens": [{"predicate": "$returnCode == 0", "then": {"instructions": [job("b")]}}],
    "else": {"instructions": [job("c")]},
}
LOCK = {"TYPE": "Lock", "demands": [{"lockPath": "L1"}], "lockedWorkflow": {"instructions": [job("a")]}}
CYCLE = {
    "TYPE": "Cycle",
    "schedule": {
        "schemes": [
            {
                "admissionTimeScheme": {
                    "periods": [{"TYPE": "DailyPeriod", "secondOfDay": 21600, "duration": 3600}]
                },
                "repeat": {"TYPE": "Periodic", "period": 1800, "offsets": [0]},
            }
        ]
    },
    "cycleWorkflow": {"instructions": [job("a")]},
}
NESTED = {
    "TYPE": "Try",
    "try": {"instructions": [{**FORK, "joinIfFailed": True}]},
    "catch": {"instructions": [job("c")]},
}
BOARD = GlobalBoard(path="B", post_order_to_notice_key="'k'", expect_order_to_notice_key="'k'")
DAY_ID = "#2024-05-01#T0000000001-"

CASES = [
    Case("linear", [_w("W", job("a"), job("b"))], [("A", "W", {})], lost=True, depth=11),
    Case("if-else", [_w("W", job("a"), IF_ELSE)], [("A", "W", {})], needs=(i.If,)),
    Case("fork-join", [_w("W", FORK, job("c"))], [("P", "W", {})], needs=(i.Fork,), depth=10),
    Case("try-retry", [_w("W", RETRY, job("b"))], [("A", "W", {})], needs=(i.Try, i.Retry), depth=16),
    Case(
        "cycle",
        [_w("W", CYCLE, calendarPath="dailyPlan")],
        [(DAY_ID + "c", "W", {})],
        needs=(i.Cycle,),
        depth=14,
    ),
    Case(
        "lock",
        [_w("W", LOCK)],
        [("A", "W", {}), ("B", "W", {})],
        needs=(i.Lock,),
        locks=(LockItem(path="L1", limit=1),),
        depth=12,
    ),
    Case(
        "notices",
        [
            _w("WP", job("a"), {"TYPE": "PostNotices", "boardPaths": ["B"]}),
            _w("WE", {"TYPE": "ExpectNotices", "boardPaths": "'B'"}, job("b")),
        ],
        [("E", "WE", {}), ("P", "WP", {})],
        needs=(i.PostNotices, i.ExpectNotices),
        boards=(BOARD,),
        depth=12,
    ),
    Case("nested-fork-in-try", [_w("W", NESTED)], [("P", "W", {})], needs=(i.Fork, i.Try), depth=12),
]


def _missing(case: Case) -> bool:
    return any(needed not in source.EXECUTORS for needed in case.needs)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case, id=case.name, marks=pytest.mark.skipif(_missing(case), reason="executor not registered")
        )
        for case in CASES
    ],
)
def test_exploration_keeps_the_invariants(case: Case) -> None:
    count = explore(case.state(), T0, case.depth, lost=case.lost)
    assert count > 5  # the exploration reached more than the start
