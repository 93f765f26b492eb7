"""The conformance examples of js7-reference §10, run for real through `stellwerk run` (a subprocess).

Each case names the orders to add and, per order, the expected event types in order (stdout and stderr
events left out, as §10 does); some cases check field values too."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).parent / "examples"
OUTPUT = {"OrderStdoutWritten", "OrderStderrWritten"}


@dataclass
class Run:
    exit_code: int
    events: list[dict[str, Any]]
    stderr: str

    def of(self, key: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["Key"] == key and e["TYPE"] not in OUTPUT]

    def types(self, key: str) -> list[str]:
        return [e["TYPE"].removeprefix("Order") for e in self.of(key)]

    def stdout_of(self, key: str) -> str:
        return "".join(
            e["chunk"] for e in self.events if e["Key"] == key and e["TYPE"] == "OrderStdoutWritten"
        )


def stellwerk_run(
    folder: str, *orders: dict[str, Any], skip_time: bool = False, cwd: Path | None = None
) -> Run:
    argv = [sys.executable, "-m", "stellwerk", "run", "--timeout", "60"]
    if skip_time:
        argv.append("--skip-time")
    for order in orders:
        argv += ["--order", json.dumps(order)]
    argv.append(str(EXAMPLES / folder))
    done = subprocess.run(argv, capture_output=True, text=True, timeout=90, cwd=cwd)
    events = [json.loads(line) for line in done.stdout.splitlines()]
    return Run(done.returncode, events, done.stderr)


def test_e1_single_job() -> None:
    run = stellwerk_run("e1_single_job", {"workflowName": "hello", "orderId": "ex1"})
    assert run.exit_code == 0, run.stderr
    assert run.types("ex1") == [
        "Added", "Attachable", "Attached", "Started", "ProcessingStarted",
        "Processed", "Moved", "Detachable", "Detached", "Finished",
    ]  # fmt: skip
    assert run.stdout_of("ex1") == "hello\n"
    processed = run.of("ex1")[5]
    assert processed["outcome"] == {"TYPE": "Succeeded", "namedValues": {"returnCode": 0}}
    assert run.of("ex1")[1]["agentPath"] == "agentA"
    assert run.of("ex1")[4]["subagentId"] == "agentA"


def test_e2_return_code_meaning() -> None:
    run = stellwerk_run("e2_return_code_meaning", {"workflowName": "returnCodes", "orderId": "ex2"})
    assert run.exit_code == 1, run.stderr
    assert run.types("ex2") == [
        "Added", "Attachable", "Attached", "Started", "ProcessingStarted", "Processed", "Moved",
        "ProcessingStarted", "Processed", "Detachable", "Detached", "Failed",
    ]  # fmt: skip
    events = run.of("ex2")
    assert events[5]["outcome"] == {"TYPE": "Succeeded", "namedValues": {"returnCode": 1}}
    assert events[8]["outcome"] == {"TYPE": "Failed", "namedValues": {"returnCode": 2}}
    assert events[-1]["movedTo"] == [1]


@pytest.mark.parametrize(
    ("arguments", "branch", "printed"), [({}, "then", "fast\n"), ({"mode": "slow"}, "else", "slow\n")]
)
def test_e3_if_else(arguments: dict[str, str], branch: str, printed: str) -> None:
    run = stellwerk_run("e3_if_else", {"workflowName": "ifElse", "orderId": "ex3", "arguments": arguments})
    assert run.exit_code == 0, run.stderr
    assert run.types("ex3") == [
        "Added", "Attachable", "Attached", "Started", "ProcessingStarted", "Processed", "Moved",
        "ProcessingStarted", "Processed", "Moved", "Detachable", "Detached", "Finished",
    ]  # fmt: skip
    assert run.of("ex3")[6]["to"] == [1, branch, 0]
    assert run.of("ex3")[9]["to"] == [2]
    assert run.stdout_of("ex3") == printed


def test_e4_try_retry_with_delays() -> None:
    run = stellwerk_run("e4_try_retry", {"workflowName": "retry", "orderId": "ex4"}, skip_time=True)
    assert run.exit_code == 1, run.stderr
    assert run.types("ex4") == [
        "Added", "Moved", "Attachable", "Attached", "Started",
        "ProcessingStarted", "Processed", "Caught", "Retrying", "Awoke", "Moved",
        "ProcessingStarted", "Processed", "Caught", "Retrying", "Awoke", "Moved",
        "ProcessingStarted", "Processed", "Detachable", "Detached", "Failed",
    ]  # fmt: skip
    events = run.of("ex4")
    assert events[1]["to"] == [0, "try+0", 0]
    assert events[7]["movedTo"] == [0, "catch+0", 0]
    assert events[10]["to"] == [0, "try+1", 0]
    assert events[16]["to"] == [0, "try+2", 0]
    assert events[-1]["movedTo"] == [0, "try+2", 0]
    first_delay = events[8]["delayedUntil"] - events[7]["eventId"] // 1000
    second_delay = events[14]["delayedUntil"] - events[13]["eventId"] // 1000
    assert 10_000 <= first_delay <= 11_000
    assert 20_000 <= second_delay <= 21_000


def test_e5_fork_with_branch_result() -> None:
    run = stellwerk_run("e5_fork_result", {"workflowName": "fork", "orderId": "P"})
    assert run.exit_code == 0, run.stderr
    assert run.types("P") == [
        "Added", "Started", "Forked", "Joined", "Moved", "Attachable", "Attached", "ProcessingStarted",
        "Processed", "Moved", "Detachable", "Detached", "Finished",
    ]  # fmt: skip
    child = ["Attachable", "Attached", "ProcessingStarted", "Processed", "Moved", "Detachable", "Detached"]
    assert run.types("P|a") == child
    assert run.types("P|b") == child
    assert run.of("P")[2]["children"] == [
        {"orderId": "P|a", "branchId": "a"},
        {"orderId": "P|b", "branchId": "b"},
    ]
    assert run.of("P")[3]["outcome"] == {"TYPE": "Succeeded", "namedValues": {"aValue": "42"}}
    assert run.of("P|a")[4]["to"] == [0, "fork+a", 1]
    assert run.stdout_of("P") == "42\n"


def test_e6_join_if_failed() -> None:
    run = stellwerk_run("e6_join_if_failed", {"workflowName": "forkJoinIfFailed", "orderId": "P"})
    assert run.exit_code == 1, run.stderr
    assert run.types("P|b") == [
        "Attachable", "Attached", "ProcessingStarted", "Processed", "Detachable", "Detached", "FailedInFork",
    ]  # fmt: skip
    assert run.of("P|b")[-1]["movedTo"] == [0, "fork+b", 0]
    assert run.types("P") == ["Added", "Started", "Forked", "Joined", "Failed"]
    joined = run.of("P")[3]["outcome"]
    assert joined["TYPE"] == "Failed" and "P|b" in joined["message"]
    assert run.of("P")[-1]["movedTo"] == [0]


def test_e7_exclusive_lock_two_orders() -> None:
    run = stellwerk_run(
        "e7_exclusive_lock",
        {"workflowName": "locked", "orderId": "A"},
        {"workflowName": "locked", "orderId": "B"},
    )
    assert run.exit_code == 0, run.stderr
    holder = [
        "Added", "Started", "LocksAcquired", "Attachable", "Attached", "ProcessingStarted", "Processed",
        "Moved", "Detachable", "Detached", "LocksReleased", "Finished",
    ]  # fmt: skip
    assert run.types("A") == holder
    assert run.types("B") == [*holder[:2], "LocksQueued", *holder[2:]]
    released = next(e for e in run.events if e["Key"] == "A" and e["TYPE"] == "OrderLocksReleased")
    acquired = next(e for e in run.events if e["Key"] == "B" and e["TYPE"] == "OrderLocksAcquired")
    assert released["eventId"] < acquired["eventId"]
    assert acquired["demands"] == [{"lockPath": "L1"}]


def test_e8_global_notice_board() -> None:
    expecting, other_day, posting = (
        "#2024-05-01#T0000000001-e",
        "#2024-05-02#T0000000009-e",
        "#2024-05-01#T0000000002-p",
    )
    run = stellwerk_run(
        "e8_global_board",
        {"workflowName": "WE", "orderId": expecting},
        {"workflowName": "WE", "orderId": other_day},
        {"workflowName": "WP", "orderId": posting},
        skip_time=True,
    )
    assert run.exit_code == 3, run.stderr  # the order of another day keeps waiting
    assert "expecting notice B/2024-05-02" in run.stderr
    assert run.types(expecting) == [
        "Added", "Started", "NoticesExpected", "NoticesRead", "Moved", "Attachable", "Attached",
        "ProcessingStarted", "Processed", "Moved", "Detachable", "Detached", "Finished",
    ]  # fmt: skip
    assert run.of(expecting)[2]["noticeIds"] == [["B", "2024-05-01"]]
    assert run.types(posting) == [
        "Added", "Attachable", "Attached", "Started", "ProcessingStarted", "Processed", "Moved",
        "Detachable", "Detached", "NoticePosted", "Moved", "Finished",
    ]  # fmt: skip
    posted = run.of(posting)[9]
    assert posted["noticeId"] == ["B", "2024-05-01"]
    assert posted["endOfLife"] - posted["eventId"] // 1000 in range(86_400_000 - 1000, 86_400_000 + 1000)
    read = run.of(expecting)[3]
    assert run.of(posting)[10]["eventId"] < read["eventId"] < run.of(posting)[11]["eventId"]
    assert run.types(other_day) == ["Added", "Started", "NoticesExpected"]


def test_e9_consume_notices_of_two_boards() -> None:
    consumer = "#2024-05-01#T0000000003-c"
    run = stellwerk_run(
        "e9_consume_notices",
        {"workflowName": "consume", "orderId": consumer},
        {"workflowName": "P1", "orderId": "#2024-05-01#T0000000004-p1"},
        {"workflowName": "P2", "orderId": "#2024-05-01#T0000000005-p2"},
    )
    assert run.exit_code == 0, run.stderr
    assert run.types(consumer) == [
        "Added", "Started", "NoticesExpected", "NoticesConsumptionStarted", "Attachable", "Attached",
        "ProcessingStarted", "Processed", "Moved", "Detachable", "Detached", "NoticesConsumed", "Finished",
    ]  # fmt: skip
    assert run.of(consumer)[2]["noticeIds"] == [["B1", "2024-05-01"], ["B2", "2024-05-01"]]
    assert run.of(consumer)[8]["to"] == [0, "consumeNotices", 1]


def test_e10_cycle_twice_an_hour_from_nine_to_eleven() -> None:
    day = (datetime.now(UTC) + timedelta(days=2)).date()
    order_id = f"#{day.isoformat()}#P0000000001-cyc"
    run = stellwerk_run(
        "e10_cycle",
        {"workflowName": "cycle", "orderId": order_id, "scheduledFor": f"{day.isoformat()}T05:00:00Z"},
        skip_time=True,
    )
    assert run.exit_code == 0, run.stderr
    types = run.types(order_id)
    assert types[:3] == ["Added", "Started", "CyclingPrepared"]
    assert types.count("CycleStarted") == 4
    assert types.count("ProcessingStarted") == 4
    assert types[-5:] == ["CycleFinished", "Moved", "Detachable", "Detached", "Finished"]
    starts = [e["eventId"] // 1000 for e in run.of(order_id) if e["TYPE"] == "OrderCycleStarted"]
    local_times = [
        datetime.fromtimestamp(ms / 1000, UTC).astimezone(_berlin()).strftime("%H:%M") for ms in starts
    ]
    assert local_times == ["09:00", "09:30", "10:00", "10:30"]
    assert run.of(order_id)[-5]["TYPE"] == "OrderCycleFinished" and "cycleState" not in run.of(order_id)[-5]


def _berlin() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Berlin")


def test_e11_uncatchable_fail_and_unsuccessful_finish() -> None:
    run = stellwerk_run(
        "e11_fail_finish",
        {"workflowName": "fail", "orderId": "f"},
        {"workflowName": "finish", "orderId": "g"},
    )
    assert run.exit_code == 1, run.stderr
    assert run.types("f") == ["Added", "Moved", "Started", "OutcomeAdded", "Failed"]
    assert run.of("f")[3]["outcome"] == {
        "TYPE": "Failed", "message": "fatal", "namedValues": {"returnCode": 7}, "uncatchable": True,
    }  # fmt: skip
    assert run.of("f")[-1]["movedTo"] == [0, "try+0", 0]
    assert run.types("g") == ["Added", "Started", "Finished"]
    assert run.of("g")[-1]["outcome"] == {
        "TYPE": "Failed",
        "message": "nothing to do",
        "namedValues": {"returnCode": 1},
    }


def test_e12_fork_list_over_a_list_argument() -> None:
    hosts = {"hosts": [{"host": "alpha"}, {"host": "beta"}]}
    run = stellwerk_run("e12_fork_list", {"workflowName": "forkList", "orderId": "L", "arguments": hosts})
    assert run.exit_code == 0, run.stderr
    assert run.types("L") == ["Added", "Started", "Forked", "Joined", "Moved", "Finished"]
    assert run.of("L")[2]["children"] == [
        {"orderId": "L|1.alpha", "arguments": {"host": "alpha"}},
        {"orderId": "L|2.beta", "arguments": {"host": "beta"}},
    ]
    assert run.of("L")[3]["outcome"] == {"TYPE": "Succeeded", "namedValues": {"pinged": ["alpha", "beta"]}}
    assert run.stdout_of("L|1.alpha") == "alpha\n"


def test_e13_prompt_waits_for_an_answer() -> None:
    run = stellwerk_run("e13_prompt", {"workflowName": "prompt", "orderId": "q"})
    assert run.exit_code == 3
    assert run.types("q") == ["Added", "Started", "Prompted"]
    assert run.of("q")[-1]["question"] == "Approve deployment?"
    assert "prompting: Approve deployment?" in run.stderr


def test_e14_timeout_caught_and_branched_on() -> None:
    run = stellwerk_run("e14_timeout", {"workflowName": "timeout", "orderId": "t"})
    assert run.exit_code == 0, run.stderr
    assert run.types("t") == [
        "Added", "Moved", "Attachable", "Attached", "Started", "ProcessingStarted", "Processed", "Caught",
        "Moved", "ProcessingStarted", "Processed", "Moved", "Detachable", "Detached", "Finished",
    ]  # fmt: skip
    events = run.of("t")
    assert events[6]["outcome"] == {
        "TYPE": "TimedOut",
        "outcome": {"TYPE": "Failed", "namedValues": {"returnCode": 143}},
    }
    assert events[8]["to"] == [0, "catch+0", 0, "then", 0]
    assert run.stdout_of("t") == "timeout\n"


def test_e15_stop_on_failure(tmp_path: Path) -> None:
    run = stellwerk_run("e15_stop_on_failure", {"workflowName": "options", "orderId": "s"}, cwd=tmp_path)
    assert run.exit_code == 1, run.stderr
    # §10 leaves out the move into the options block; JS7's Options executor moves there, as Try does (E4).
    assert run.types("s") == [
        "Added", "Moved", "Attachable", "Attached", "Started", "ProcessingStarted", "Processed",
        "Detachable", "Detached", "Stopped",
    ]  # fmt: skip
    assert run.of("s")[1]["to"] == [0, "options", 0]
    assert run.of("s")[-1] == {"eventId": run.of("s")[-1]["eventId"], "Key": "s", "TYPE": "OrderStopped"}
