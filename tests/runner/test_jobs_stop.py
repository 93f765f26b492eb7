"""JobLauncher.stop (js7-reference §6.4): an orderly stop sends SIGTERM first and SIGKILL only after the job's
sigkillDelay, bounded by the stop's grace; a crash-like stop kills at once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from tests.engine.harness import T0, add_order, state_with, workflow

from stellwerk.engine.derive import derive
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.runner.executors import ExecutionSettings
from stellwerk.runner.jobs import JobLauncher

TRAPPING = """trap 'echo terminated > "$MARK"; exit 3' TERM
echo ready
while true; do sleep 0.05; done
"""
IGNORING = """trap '' TERM
echo ready
while true; do sleep 0.05; done
"""


def processing_state(script: str, mark: Path, **job: Any) -> EngineState:
    executable = {"TYPE": "ShellScriptExecutable", "script": script, "env": {"MARK": f"'{mark}'"}}
    jobs = {"j": {"agentPath": "agentA", "executable": executable, **job}}
    state = state_with(
        workflow("W", {"instructions": [{"TYPE": "Execute.Named", "jobName": "j"}], "jobs": jobs})
    )
    add_order(state, "o", "W")
    assert any(isinstance(k.event, e.OrderProcessingStarted) for k in derive(state, ["o"], T0))
    return state


async def started_launcher(state: EngineState, tmp_path: Path) -> tuple[JobLauncher, list[e.KeyedEvent]]:
    reported: list[e.KeyedEvent] = []
    launcher = JobLauncher(tmp_path, ExecutionSettings(), reported.append, lambda: T0)
    launcher.start(state, "o")
    deadline = time.monotonic() + 10
    while not any(isinstance(k.event, e.OrderStdoutWritten) for k in reported):
        assert time.monotonic() < deadline, "the job did not start"
        await asyncio.sleep(0.02)
    return launcher, reported


async def test_an_orderly_stop_terminates_before_it_kills(tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    launcher, _ = await started_launcher(processing_state(TRAPPING, mark), tmp_path)
    await launcher.stop(grace=5.0)
    assert mark.read_text() == "terminated\n"


async def test_sigkill_follows_after_the_sigkill_delay_within_the_grace(tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    state = processing_state(IGNORING, mark, sigkillDelay=60)
    launcher, reported = await started_launcher(state, tmp_path)
    began = time.monotonic()
    await launcher.stop(grace=0.5)
    assert time.monotonic() - began < 3.0, "the grace bounds the sigkillDelay"
    assert not mark.exists()
    assert isinstance(reported[-1].event, e.OrderProcessed), "the process has ended"


async def test_a_crash_like_stop_kills_at_once(tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    launcher, _ = await started_launcher(processing_state(TRAPPING, mark), tmp_path)
    await launcher.stop(grace=5.0, orderly=False)
    assert not mark.exists()
