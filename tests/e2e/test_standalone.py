"""`stellwerk standalone`: a Cockpit, a Controller and an Agent as processes, created on first start, answering,
stopped by SIGTERM (or SIGINT) with no process left behind."""

from __future__ import annotations

import re
import signal
import ssl
from pathlib import Path

import psutil
import pytest

from stellwerk.transport.client import NodeClient
from stellwerk.transport.tls import client_context
from tests.cockpit.api.joc import Joc
from tests.e2e.nodes import API, spawn, until

EXAMPLES = Path(__file__).parent.parent.parent / "examples"


def cockpit_context(data: Path) -> ssl.SSLContext:
    folder = data / "cockpit"
    return client_context(folder / "node.pem", folder / "node-key.pem", data / "ca" / "ca.pem")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
async def test_standalone_starts_answers_and_stops_with_no_process_left(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    data = tmp_path / "data"
    output = tmp_path / "standalone.out"
    arguments = ["--data", str(data), "--port", "0", "--http", "--admin-password", "pw"]
    deploying = stop_signal == signal.SIGTERM  # one of the two runs also deploys the examples
    if deploying:
        arguments += ["--deploy", str(EXAMPLES)]
    standalone = spawn(["-m", "stellwerk", "standalone", *arguments], output)
    try:
        await until(
            lambda: "Stop with Ctrl-C" in output.read_text() or standalone.poll() is not None, 60, "start"
        )
        text = output.read_text()
        found = re.search(r"Controller controller: (\S+)", text)
        cockpit = re.search(r"Cockpit: (\S+)", text)
        assert found and cockpit, text
        assert f"CA certificate: {data / 'ca' / 'ca.pem'}" in text
        assert (data / "controller" / "node.toml").exists() and (data / "agent" / "data").is_dir()
        children = psutil.Process(standalone.pid).children(recursive=True)
        # The Cockpit, the Controller, the Agent and the Agent's spawner of job processes.
        assert len(children) == 4
        assert sum("stellwerk.runner.spawn_server" in child.cmdline() for child in children) == 1
        async with NodeClient(found[1], ssl_context=cockpit_context(data)) as client:
            overview = await client.get(API, dict)
            assert overview["controllerId"] == "controller"
            if deploying:
                assert "Deployed" in text, text
                items = await client.get(f"{API}/item", list)
                names = {item.get("path") for item in items if item["TYPE"] == "Workflow"}
                assert {"hello", "forkJoin", "prompt"} <= names
        assert Joc(cockpit[1]).login("root", "pw").status == 200
        standalone.send_signal(stop_signal)
        await until(lambda: standalone.poll() is not None, 30, "the standalone to stop")
        assert standalone.returncode == 0, output.read_text()
        assert not [
            child for child in children if child.is_running() and child.status() != psutil.STATUS_ZOMBIE
        ]
    finally:
        if standalone.poll() is None:
            standalone.kill()
            standalone.wait()
