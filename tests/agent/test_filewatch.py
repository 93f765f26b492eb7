"""File orders from a real directory: a file appears once it is stable, and vanishes when deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

from stellwerk.agent.service import AgentService
from stellwerk.model import agent_commands as ac
from stellwerk.model.items import FileWatch
from tests.agent.helpers import AGENT, Controller, is_type


async def test_a_stable_file_appears_and_vanishes_when_deleted(
    agent: AgentService, controller: Controller, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    monkeypatch.setenv("STELLWERK_TEST_INBOX", str(inbox))
    watch = FileWatch(
        path="fw",
        workflow_path="W",
        agent_path=AGENT,
        directory_expr="env('STELLWERK_TEST_INBOX')",
        pattern="(.+)\\.csv",
        delay=2,  # 0.2 s with the tests' delay unit of 0.1 s
    )
    await controller.command(ac.AttachItem(item=watch))
    (inbox / "ignored.txt").write_text("x")
    (inbox / "data.csv").write_text("1,2")

    appeared = await controller.wait_for(is_type("ExternalOrderAppeared", "fw"), seconds=5)
    assert appeared["externalOrderName"] == "data.csv"
    assert appeared["arguments"] == {"file": str(inbox / "data.csv")}
    assert appeared["orderId"] == "file:fw:data.csv"
    stable_for = (appeared["eventId"] - controller.events[0]["eventId"]) / 1_000_000
    assert stable_for >= 0.2

    (inbox / "data.csv").unlink()
    vanished = await controller.wait_for(is_type("ExternalOrderVanished", "fw"), seconds=5)
    assert vanished["externalOrderName"] == "data.csv"
    (inbox / "data.csv").write_text("again")
    await controller.wait_for(
        lambda ev: ev["TYPE"] == "ExternalOrderAppeared" and ev is not appeared, seconds=5
    )
    names = [ev["TYPE"] for ev in controller.events if ev["Key"] == "fw"]
    assert names == ["ExternalOrderAppeared", "ExternalOrderVanished", "ExternalOrderAppeared"]
    assert all(ev.get("externalOrderName") != "ignored.txt" for ev in controller.events)
