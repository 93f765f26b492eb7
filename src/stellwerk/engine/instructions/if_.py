"""If (and JOC's CaseWhen): the first true predicate chooses the branch; none chooses else or the next."""

from __future__ import annotations

from stellwerk.engine.instructions.common import move_on
from stellwerk.engine.moves import choose_branch
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model.outcome import disrupted
from stellwerk.model.problems import Problem


def next_events(step: Step, instruction: i.If) -> Events:
    chosen = choose_branch(step, instruction, step.order.position)
    if isinstance(chosen, Problem):
        return [e.OrderOutcomeAdded(outcome=disrupted(chosen.message))]
    return move_on(step, chosen)
