from __future__ import annotations

import msgspec

from stellwerk.model.plans import Plan


def test_plans_round_trip_and_only_open_plans_take_orders() -> None:
    plan = Plan(plan_id=("DailyPlan", "2024-05-01"))
    assert msgspec.json.encode(plan) == b'{"planId":["DailyPlan","2024-05-01"]}'
    closed = msgspec.json.decode(b'{"planId":["DailyPlan","2024-05-01"],"status":"Closed"}', type=Plan)
    assert plan.accepts_orders and not closed.accepts_orders
    assert Plan(plan_id=()).is_global
