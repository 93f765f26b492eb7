"""Reason-less moves, anticipated and collapsed into one OrderMoved (JS7 does the same)."""

from __future__ import annotations

from stellwerk.engine.order_transition_rules import moved_to
from stellwerk.engine.scope import evaluate_predicate
from stellwerk.engine.step import Step
from stellwerk.model import instructions as i
from stellwerk.model.position import Position, branch_kind, next_position, parent
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import instruction_at

# Blocks whose end simply continues after the enclosing instruction.
TRANSPARENT_BLOCKS = frozenset({"then", "else", "try", "catch", "options", "admissionTime"})

_MAX_MOVES = 10_000


def plain_move(step: Step, position: Position) -> Position | None:
    """Where an order at `position` moves without any other event, or None if something else must happen.
    Entering an Options block is not anticipated (JS7's OptionsExecutor has no nextMove): it is a move of its own."""
    instruction = instruction_at(step.workflow, position)
    match instruction:
        case i.ImplicitEnd():
            up = parent(position)
            bid = position[-2] if len(position) > 1 else None
            if up is None or not isinstance(bid, str) or branch_kind(bid) not in TRANSPARENT_BLOCKS:
                return None
            if position[:-1] == step.order.inner_block:
                return None
            return next_position(up)
        case i.If():
            chosen = choose_branch(_at(step, position), instruction, position)
            return None if isinstance(chosen, Problem) else chosen
        case i.Try():
            return (*position, "try+0", 0)
        case i.Empty():
            return next_position(position)
    return None


def _at(step: Step, position: Position) -> Step:
    """The step as seen from an anticipated position: predicates there see its try count, label and position."""
    if step.order.position == position:
        return step
    return Step(step.state, moved_to(step.order, position), step.workflow, step.now)


def choose_branch(step: Step, instruction: i.If, position: Position) -> Position | Problem:
    for k, if_then in enumerate(instruction.if_thens, 1):
        result = evaluate_predicate(step, if_then.predicate)
        if isinstance(result, Problem):
            return result
        if result:
            return (*position, "then" if k == 1 else f"then+{k}", 0)
    if instruction.else_ is not None:
        return (*position, "else", 0)
    return next_position(position)


def settle(step: Step, position: Position) -> Position:
    """Follow plain moves from `position` as far as they go."""
    seen = {position}
    for _ in range(_MAX_MOVES):
        moved = plain_move(step, position)
        if moved is None or moved in seen:
            return position
        seen.add(moved)
        position = moved
    return position
