"""Plans (js7-reference §1.6): a PlanSchema's plan for one key, e.g. the daily plan of 2024-05-01.

PlanId JSON: `[]` for the global plan, `["DailyPlan", "2024-05-01"]`. A plan goes Open → Closed → Finished{at}
→ Deleted; orders of a closed plan cannot be added.
"""

from __future__ import annotations

from typing import Literal

import msgspec

PlanStatusName = Literal["Open", "Closed", "Finished", "Deleted"]


class Plan(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    plan_id: tuple[str, ...] = msgspec.field(name="planId")
    status: PlanStatusName = "Open"
    finished_at: int | None = msgspec.field(default=None, name="finishedAt")

    @property
    def is_global(self) -> bool:
        return not self.plan_id

    @property
    def accepts_orders(self) -> bool:
        return self.status == "Open"
