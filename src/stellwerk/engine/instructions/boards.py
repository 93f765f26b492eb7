"""Notice ids and their availability: what PostNotices posts and what ExpectNotices/ConsumeNotices wait for.

- A GlobalBoard's notice lives in the global plan: id `(BOARD, KEY)`; its `endOfLife` expression gives epoch ms
  (missing = forever). A PlannableBoard's notice lives in the order's plan: id `(SCHEMA, PLANKEY, BOARD, KEY)`; in
  the global plan (an order without `planId`) it is `(BOARD, KEY)`. An empty key is left out (JS7 NoticeId JSON).
- Availability is three-valued (JS7 `isNoticeAvailable`): True = the notice exists; False = not posted but
  announced (plannable boards only); None (unknown) = neither.
- Announcements (JS7 `planToNoticeAnnounced`): when an order is added to a plan, every top-level PostNotices of its
  workflow (or inner block) announces the notices it will post to plannable boards.
"""

from __future__ import annotations

from decimal import Decimal

from stellwerk.engine.scope import evaluate, evaluate_string
from stellwerk.engine.state import EngineState, Notice, board_of
from stellwerk.engine.step import Step
from stellwerk.expr import Missing
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model.items import GlobalBoard
from stellwerk.model.order import NoticeId, Order, PlanId
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import block_at


def notice_id(board_path: str, key: str, plan_id: PlanId | None) -> NoticeId:
    """The notice id of `key` on a board, in a plan (None or () = the global plan)."""
    keyed = (board_path, key) if key else (board_path,)
    if not plan_id:
        return keyed
    return (*plan_id, *keyed)


def posting_notice(step: Step, board_path: str) -> Notice | Problem:
    """The notice the order posts to a board (key from postOrderToNoticeKey, endOfLife for global boards)."""
    board = step.state.boards.get(board_path)
    if board is None:
        return Problem(f"Unknown notice board '{board_path}'")
    key = evaluate_string(step, board.post_order_to_notice_key)
    if isinstance(key, Problem):
        return key.prefixed(f"Board:{board_path}")
    if isinstance(board, GlobalBoard):
        end_of_life = _end_of_life(step, board)
        if isinstance(end_of_life, Problem):
            return end_of_life.prefixed(f"Board:{board_path}")
        return Notice(id=notice_id(board_path, key, None), end_of_life=end_of_life)
    return Notice(id=notice_id(board_path, key, step.order.plan_id))


def expected_notice_id(step: Step, board_path: str) -> NoticeId | Problem:
    """The notice id the order waits for on a board (key from expectOrderToNoticeKey)."""
    board = step.state.boards.get(board_path)
    if board is None:
        return Problem(f"Unknown notice board '{board_path}'")
    key = evaluate_string(step, board.expect_order_to_notice_key)
    if isinstance(key, Problem):
        return key.prefixed(f"Board:{board_path}")
    plan_id = None if isinstance(board, GlobalBoard) else step.order.plan_id
    return notice_id(board_path, key, plan_id)


def _end_of_life(step: Step, board: GlobalBoard) -> int | None | Problem:
    if board.end_of_life is None:
        return None
    result = evaluate(step, board.end_of_life)
    if isinstance(result, Problem):
        return result
    if isinstance(result, Missing):
        return None
    if isinstance(result, bool) or not isinstance(result, int | Decimal):
        return Problem(f"endOfLife must be a Number (epoch milliseconds), not {result!r}")
    return int(result)  # JS7 ignores a fraction


def availability(state: EngineState, notice: NoticeId) -> bool | None:
    """True: the notice exists; False: announced, not posted yet; None: unknown."""
    if notice in state.notices:
        return True
    if notice in state.announced:
        return False
    return None


def expired_notices(state: EngineState, now: int) -> list[e.KeyedEvent]:
    """NoticeDeleted (keyed by the board) for every notice whose endOfLife has come."""
    return [
        e.KeyedEvent(board_of(notice.id), e.NoticeDeleted(notice_id=notice.id))
        for notice in sorted(state.notices.values(), key=lambda n: (n.end_of_life or 0, n.id))
        if notice.end_of_life is not None and notice.end_of_life <= now
    ]


def announcement_events(state: EngineState, order_id: str, now: int) -> list[e.KeyedEvent]:
    """OrderNoticeAnnounced for a just added order of a plan: the notices of plannable boards that the top-level
    PostNotices of its block will post, unless announced already. To be applied right after OrderAdded."""
    order = state.orders.get(order_id)
    return [] if order is None else announcements_for(state, order, now)


def announcements_for(state: EngineState, order: Order, now: int) -> list[e.KeyedEvent]:
    """The announcements of `order`, which need not be in the state yet (AddOrder computes them with it)."""
    if not order.plan_id:
        return []
    step = Step(state, order, state.workflow_of(order), now)
    announced: list[NoticeId] = []
    for board_path in _top_level_posted_boards(step, order):
        board = state.boards.get(board_path)
        if board is None or isinstance(board, GlobalBoard):
            continue
        notice = posting_notice(step, board_path)
        if isinstance(notice, Problem) or notice.id in announced:
            continue
        if notice.id not in state.announced and notice.id not in state.notices:
            announced.append(notice.id)
    return [e.KeyedEvent(order.id, e.OrderNoticeAnnounced(notice_id=n)) for n in announced]


def _top_level_posted_boards(step: Step, order: Order) -> list[str]:
    block = block_at(step.workflow, order.inner_block) or ()
    return [
        path
        for instruction in block
        if isinstance(instruction, i.PostNotices)
        for path in instruction.board_paths
    ]
