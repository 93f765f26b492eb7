"""Commands decode from and encode to engine JSON."""

from __future__ import annotations

import msgspec
import pytest

from stellwerk.model import commands as c
from stellwerk.model import order as o
from stellwerk.model.workflow import WorkflowId

EXAMPLES: list[tuple[str, c.Command]] = [
    (
        (
            '{"TYPE":"AddOrder","order":{"id":"x","workflowPath":"W","arguments":{"n":1},"scheduledFor":5,'
            '"startPosition":"L","stopPositions":[[2]],"deleteWhenTerminated":true}}'
        ),
        c.AddOrder(
            order=c.FreshOrder(
                id="x",
                workflow_path="W",
                arguments={"n": 1},
                scheduled_for=5,
                start_position="L",
                stop_positions=((2,),),
                delete_when_terminated=True,
            )
        ),
    ),
    (
        '{"TYPE":"CancelOrders","orderIds":["a"],"mode":{"TYPE":"FreshOrStarted","kill":{"immediately":true}}}',
        c.CancelOrders(order_ids=("a",), mode=o.FreshOrStarted(kill=o.Kill(immediately=True))),
    ),
    (
        '{"TYPE":"CancelOrders","orderIds":["a"],"mode":{"TYPE":"FreshOnly"}}',
        c.CancelOrders(order_ids=("a",), mode=o.FreshOnly()),
    ),
    (
        '{"TYPE":"SuspendOrders","orderIds":["a"],"mode":{"resetState":true}}',
        c.SuspendOrders(order_ids=("a",), mode=o.SuspensionMode(reset_state=True)),
    ),
    (
        '{"TYPE":"ResumeOrder","orderId":"a","position":[1,"then",0],"asSucceeded":true,"restartKilledJob":false}',
        c.ResumeOrder(order_id="a", position=(1, "then", 0), as_succeeded=True, restart_killed_job=False),
    ),
    ('{"TYPE":"ResumeOrders","orderIds":["a","b"]}', c.ResumeOrders(order_ids=("a", "b"))),
    ('{"TYPE":"GoOrder","orderId":"a","position":[0]}', c.GoOrder(order_id="a", position=(0,))),
    ('{"TYPE":"AnswerOrderPrompt","orderId":"a"}', c.AnswerOrderPrompt(order_id="a")),
    (
        '{"TYPE":"DeleteOrdersWhenTerminated","orderIds":["a"]}',
        c.DeleteOrdersWhenTerminated(order_ids=("a",)),
    ),
    ('{"TYPE":"ChangeOrder","orderId":"a","priority":3}', c.ChangeOrder(order_id="a", priority=3)),
    (
        '{"TYPE":"PostNotice","noticeId":["B","k"],"endOfLife":9}',
        c.PostNotice(notice_id=("B", "k"), end_of_life=9),
    ),
    ('{"TYPE":"DeleteNotice","noticeId":["B","k"]}', c.DeleteNotice(notice_id=("B", "k"))),
    (
        '{"TYPE":"TransferOrders","workflowId":{"path":"W","versionId":"v1"}}',
        c.TransferOrders(workflow_id=WorkflowId(path="W", version_id="v1")),
    ),
    (
        '{"TYPE":"Batch","commands":[{"TYPE":"AnswerOrderPrompt","orderId":"a"}]}',
        c.Batch(commands=(c.AnswerOrderPrompt(order_id="a"),)),
    ),
]


@pytest.mark.parametrize(("text", "command"), EXAMPLES, ids=[type(cmd).__name__ for _, cmd in EXAMPLES])
def test_commands_round_trip_through_engine_json(text: str, command: c.Command) -> None:
    decoded = msgspec.json.decode(text, type=c.Command)
    assert decoded == command
    assert msgspec.json.decode(msgspec.json.encode(decoded), type=c.Command) == command


def test_cancel_orders_defaults_to_fresh_or_started_without_kill() -> None:
    decoded = msgspec.json.decode('{"TYPE":"CancelOrders","orderIds":["a"]}', type=c.Command)
    assert decoded == c.CancelOrders(order_ids=("a",), mode=o.FreshOrStarted())


def test_unknown_fields_of_a_fresh_order_are_rejected() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(
            '{"TYPE":"AddOrder","order":{"id":"x","workflowPath":"W","bogus":1}}', type=c.Command
        )
