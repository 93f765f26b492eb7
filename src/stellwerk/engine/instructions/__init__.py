"""One executor per instruction: `next_events(step, instruction) -> events` (JS7 *Executor)."""

from __future__ import annotations
