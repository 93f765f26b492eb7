"""Every instruction family end to end through real processes: `stellwerk controller` and two `stellwerk agent`s
over mutual TLS, driven through the Controller's API with the Cockpit's certificate."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.e2e.nodes import (
    Installation,
    add_orders,
    deploy,
    event_names,
    events,
    running,
    shell_job,
    until_states,
    workflow,
)

A, B = "agentA", "agentB"
RUN = {"TYPE": "Execute.Named", "jobName": "run"}


def workflows(marker: Path) -> list[dict[str, Any]]:
    flaky = f"if [ -e '{marker}' ]; then exit 0; fi\ntouch '{marker}'\nexit 1\n"
    probe = {"TYPE": "ShellScriptExecutable", "script": "exit 3\n", "returnCodeMeaning": {"success": "0..5"}}
    fork_branches = [
        {"id": "a", "workflow": {"instructions": [{"TYPE": "Execute.Named", "jobName": "onA"}], "result": {"x": "$x"}}},
        {"id": "b", "workflow": {"instructions": [{"TYPE": "Execute.Named", "jobName": "onB"}]}},
    ]  # fmt: skip
    cycle = {"TYPE": "Cycle", "cycleWorkflow": {"instructions": [RUN]}, "schedule": {"schemes": [{
        "admissionTimeScheme": {"periods": [{"TYPE": "DailyPeriod", "secondOfDay": 0, "duration": 86400}]},
        "repeat": {"TYPE": "Continuous", "pause": 1, "limit": 2}}]}}  # fmt: skip
    return [
        {"TYPE": "Lock", "path": "L"},
        {
            "TYPE": "GlobalBoard",
            "path": "Board",
            "postOrderToNoticeKey": "'k'",
            "expectOrderToNoticeKey": "'k'",
        },
        workflow("job", [RUN], {"run": shell_job(A, "echo hello\n")}),
        workflow(
            "if",
            [
                {"TYPE": "Execute.Named", "jobName": "probe"},
                {
                    "TYPE": "If",
                    "ifThens": [
                        {
                            "predicate": "$returnCode == 3",
                            "then": {"instructions": [{"TYPE": "Execute.Named", "jobName": "fast"}]},
                        }
                    ],
                    "else": {"instructions": [{"TYPE": "Execute.Named", "jobName": "slow"}]},
                },
            ],
            {
                "probe": {"agentPath": A, "executable": probe},
                "fast": shell_job(A, "echo fast\n"),
                "slow": shell_job(A, "echo slow\n"),
            },
        ),  # fmt: skip
        workflow(
            "retry",
            [
                {
                    "TYPE": "Try",
                    "maxTries": 3,
                    "retryDelays": [0],
                    "try": {"instructions": [RUN]},
                    "catch": {"instructions": [{"TYPE": "Retry"}]},
                },
            ],
            {"run": shell_job(A, flaky)},
        ),  # fmt: skip
        workflow(
            "fork",
            [{"TYPE": "Fork", "branches": fork_branches}, {"TYPE": "Execute.Named", "jobName": "after"}],
            {
                "onA": shell_job(A, 'echo "x=42" >> "$JS7_RETURN_VALUES"\n'),
                "onB": shell_job(B, "exit 0\n"),
                "after": shell_job(B, "echo after\n"),
            },
        ),  # fmt: skip
        workflow(
            "lock",
            [{"TYPE": "Lock", "demands": [{"lockPath": "L"}], "lockedWorkflow": {"instructions": [RUN]}}],
            {"run": shell_job(A, "sleep 0.2\n")},
        ),  # fmt: skip
        workflow("post", [{"TYPE": "PostNotices", "boardPaths": ["Board"]}], {}),
        workflow(
            "expect",
            [{"TYPE": "ExpectNotices", "boardPaths": "'Board'"}, RUN],
            {"run": shell_job(B, "exit 0\n")},
        ),
        workflow("cycle", [cycle], {"run": shell_job(A, "echo tick\n")}),
    ]


def stdout_of(all_events: list[dict[str, Any]], key: str) -> str:
    return "".join(
        e["chunk"] for e in all_events if e.get("Key") == key and e["TYPE"] == "OrderStdoutWritten"
    )


async def test_every_instruction_family_runs_through_controller_and_agents(
    two_agents: Installation, tmp_path: Path
) -> None:
    cycle_order = f"#{datetime.now(UTC):%Y-%m-%d}#cycle"
    async with running(two_agents), two_agents.client() as client:
        assert await deploy(client, *workflows(tmp_path / "tried-once")) == {"TYPE": "Accepted"}
        await add_orders(client, "expect", "expecting")
        for path, order_id in [("job", "job"), ("if", "if"), ("retry", "retry"), ("fork", "fork"),
                               ("lock", "lock1"), ("lock", "lock2"), ("post", "post"), ("cycle", cycle_order)]:  # fmt: skip
            await add_orders(client, path, order_id)
        wanted = ["job", "if", "retry", "fork", "lock1", "lock2", "post", "expecting", cycle_order]
        await until_states(client, dict.fromkeys(wanted, "Finished"), seconds=40)
        found = await events(client)
    assert event_names(found, "job") == [
        "OrderAdded", "OrderAttachable", "OrderAttached", "OrderStarted", "OrderProcessingStarted",
        "OrderStdoutWritten", "OrderProcessed", "OrderMoved", "OrderDetachable", "OrderDetached", "OrderFinished",
    ]  # fmt: skip
    assert stdout_of(found, "job") == "hello\n"
    assert stdout_of(found, "if") == "fast\n"
    assert event_names(found, "retry").count("OrderRetrying") == 1
    assert event_names(found, "retry").count("OrderProcessingStarted") == 2
    assert event_names(found, "fork|b")[:2] == ["OrderAttachable", "OrderAttached"]
    assert "OrderJoined" in event_names(found, "fork")
    assert stdout_of(found, "fork") == "after\n"
    lock_sequence = [(e["Key"], e["TYPE"]) for e in found if e.get("Key") in ("lock1", "lock2")]
    first_release = next(i for i, pair in enumerate(lock_sequence) if pair[1] == "OrderLocksReleased")
    acquired = [i for i, pair in enumerate(lock_sequence) if pair[1] == "OrderLocksAcquired"]
    assert len(acquired) == 2 and acquired[1] > first_release, "the second holder waits for the first"
    assert "OrderNoticesExpected" in event_names(found, "expecting")
    assert "OrderNoticePosted" in event_names(found, "post")
    assert event_names(found, cycle_order).count("OrderCycleStarted") == 2
    assert stdout_of(found, cycle_order) == "tick\ntick\n"
    assert not [key for key in wanted if "OrderFailed" in event_names(found, key)]
