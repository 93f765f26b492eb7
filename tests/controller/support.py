"""Helpers for the Controller tests: workflows from engine JSON, certificates, configs and a test client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from stellwerk.controller.config import ControllerConfig, TlsFiles
from stellwerk.model.workflow import Workflow
from tests.transport.pki import TestPki, subject_of

COCKPIT = "cockpit"
CONTROLLER = "controller"


def workflow(
    path: str, instructions: list[dict[str, Any]], jobs: dict[str, Any] | None = None, **more: Any
) -> Workflow:
    raw = {"TYPE": "Workflow", "path": path, "instructions": instructions, "jobs": jobs or {}, **more}
    return msgspec.json.decode(msgspec.json.encode(raw), type=Workflow)


def shell_job(agent: str, script: str, env: dict[str, str] | None = None, **more: Any) -> dict[str, Any]:
    executable = {"TYPE": "ShellScriptExecutable", "script": script, **({"env": env} if env else {})}
    return {"agentPath": agent, "executable": executable, **more}


def tls_files(pki: TestPki, name: str) -> TlsFiles:
    cert, key = pki.node_files(name)
    return TlsFiles(cert=cert, key=key, ca=pki.ca_path)


def controller_config(
    pki: TestPki, directory: Path, agents: dict[str, str] | None = None, **more: Any
) -> ControllerConfig:
    return ControllerConfig(
        controller_id="test-controller",
        data_directory=directory,
        tls=tls_files(pki, CONTROLLER),
        allowed_client_subjects=(subject_of(COCKPIT),),
        event_readers=(COCKPIT,),
        agents=agents or {},
        release_events_period=0,
        reconnect_delays=(0.05, 0.1, 0.2),
        event_poll_timeout=2.0,
        **more,
    )


async def eventually(condition: Callable[[], bool], seconds: float = 20.0, step: float = 0.02) -> None:
    """Waits (polling) until `condition()` holds; fails the test after `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {seconds} s")
        await asyncio.sleep(step)
