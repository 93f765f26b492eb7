"""A scope and a shorthand shared by the expression tests."""

from __future__ import annotations

from decimal import Decimal

from stellwerk.expr import MapScope, Result, evaluate_text

# 2024-05-01T06:00:00.123Z
NOW = 1714543200123

SCOPE = MapScope(
    named_values={
        "returnCode": 3,
        "mode": "fast",
        "name": "Alice",
        "pi": Decimal("3.14"),
        "flag": True,
        "list": [1, "two", 3],
        "x": {"host": "alpha", "port": 80},
        "empty": "",
    },
    arguments={"mode": "fast", "n": 7},
    by_label={"build": {"returnCode": 1, "artifact": "a.jar"}},
    by_job={"compile": {"returnCode": 2}},
    symbols={
        "orderId": "#2024-05-01#P0102030405-daily",
        "workflowPath": "W",
        "workflowPosition": "W~v1:0",
        "label": "L",
        "controllerId": "C",
        "tryCount": 2,
        "maxTries": 3,
        "timedOut": False,
        "workflow": {"timezone": "Europe/Berlin"},
        "js7JobName": "hello",
    },
    now=NOW,
    scheduled=NOW,
    environment={"HOME": "/home/a"},
    job_resources={"JR": {"url": "https://x", "n": 1}},
    subagent_bundles={"": ["A"], "B": ["B1", "B2"]},
    order_ids=frozenset({"o-1", "o-2", "p-001"}),
)


def ev(text: str, scope: MapScope = SCOPE) -> Result:
    return evaluate_text(text, scope)
