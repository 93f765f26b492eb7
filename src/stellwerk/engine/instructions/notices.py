"""PostNotices, ExpectNotices and ConsumeNotices (JS7 NoticeEventSource), all at the Controller.

- PostNotices: one OrderNoticePosted per board, then OrderMoved to the next instruction. Orders expecting those
  notices are re-checked in the same derive turn (`stellwerk.engine.derive`), before the poster goes on.
- ExpectNotices / ConsumeNotices: the board expression is evaluated in Kleene logic over the availability of each
  board's notice (`boards.availability`). True: Expect reads (OrderNoticesRead + OrderMoved), Consume enters its
  block (OrderNoticesConsumptionStarted). False: wait (OrderNoticesExpected). Unknown: `Wait` waits; Expect with
  `DontWait`/`SkipWhenNoNotice` reads and moves on with reason NoNotice; Consume with `SkipWhenNoNotice` skips the
  block (NoNotice) when none of its notices exists, else (and with `DontWait`) enters it.
- An expecting order keeps the notice ids computed when it began to wait; re-checks use them.
- The end of the consume block emits OrderNoticesConsumed (`end.py`), failure OrderNoticesConsumed{failed}
  (`failure.py`); `apply.py` deletes the consumed notices only on success.
"""

from __future__ import annotations

from stellwerk.engine.instructions.boards import availability, expected_notice_id, posting_notice
from stellwerk.engine.instructions.common import at_controller, move_on
from stellwerk.engine.state import board_of
from stellwerk.engine.step import Events, Step
from stellwerk.expr.boards import BoardExpression, board_names, evaluate_boards, parse_board_expression
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.order import NoticeId
from stellwerk.model.outcome import disrupted
from stellwerk.model.problems import Problem


def post_notices(step: Step, instruction: i.PostNotices) -> Events:
    if (first := at_controller(step)) is not None:
        return first
    if not isinstance(step.order.state, o.Ready):
        return []
    if len(set(instruction.board_paths)) != len(instruction.board_paths):
        return _failed(f"PostNotices names a board twice: {list(instruction.board_paths)}")
    posted: Events = []
    for board_path in instruction.board_paths:
        notice = posting_notice(step, board_path)
        if isinstance(notice, Problem):
            return _failed(notice.message)
        posted.append(e.OrderNoticePosted(notice_id=notice.id, end_of_life=notice.end_of_life))
    return [*posted, *move_on(step)]


def expect_or_consume_notices(step: Step, instruction: i.ExpectNotices | i.ConsumeNotices) -> Events:
    if (first := at_controller(step)) is not None:
        return first
    expression = parse_board_expression(instruction.board_paths)
    if isinstance(expression, Problem):
        return _problem(step, expression.message)
    state = step.order.state
    if isinstance(state, o.ExpectingNotices):
        return _fulfilment(step, instruction, expression, state.notice_ids)
    if not isinstance(state, o.Ready):
        return []
    notice_ids: list[NoticeId] = []
    for board_path in board_names(expression):
        found = expected_notice_id(step, board_path)
        if isinstance(found, Problem):
            return _failed(found.message)
        notice_ids.append(found)
    fulfilled = _fulfilment(step, instruction, expression, tuple(notice_ids))
    return fulfilled or [e.OrderNoticesExpected(notice_ids=tuple(notice_ids))]


def _fulfilment(
    step: Step,
    instruction: i.ExpectNotices | i.ConsumeNotices,
    expression: BoardExpression,
    notice_ids: tuple[NoticeId, ...],
) -> Events:
    """The events when the expectation is fulfilled, or [] to (keep) wait(ing)."""
    by_board = {board_of(n): availability(step.state, n) for n in notice_ids}
    result = evaluate_boards(expression, lambda board: by_board.get(board))
    if result is False or (result is None and instruction.when_not_announced == "Wait"):
        return []
    if isinstance(instruction, i.ExpectNotices):
        reason = None if result else e.NoNotice()
        return [e.OrderNoticesRead(), *move_on(step, reason=reason)]
    existing = any(n in step.state.notices for n in notice_ids)
    if result is None and instruction.when_not_announced == "SkipWhenNoNotice" and not existing:
        return [e.OrderNoticesRead(), *move_on(step, reason=e.NoNotice())]
    return [e.OrderNoticesConsumptionStarted(notice_ids=notice_ids)]


def _failed(message: str) -> Events:
    return [e.OrderOutcomeAdded(outcome=disrupted(message))]


def _problem(step: Step, message: str) -> Events:
    # A waiting order cannot fail (JS7 failOrBreak): it breaks instead of looping on the same problem.
    if isinstance(step.order.state, o.Ready):
        return _failed(message)
    return [e.OrderOutcomeAdded(outcome=disrupted(message)), e.OrderBroken(problem=message)]
