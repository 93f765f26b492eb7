"""One `stellwerk standalone` for the whole module (starting one takes seconds), and the operator's command line
run in-process with click's runner against it, its profiles in a folder of the test's own."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.e2e.nodes import spawn

from stellwerk.cli import main

PASSWORD = "operator-secret"
POLL_STEP = 0.1


@dataclass(frozen=True)
class System:
    url: str
    agent_url: str
    ca: Path  # the CA of the Cockpit's HTTPS certificate
    process: subprocess.Popen[bytes]


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {seconds} s")
        time.sleep(POLL_STEP)


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    folder = tmp_path_factory.mktemp("standalone")
    output = folder / "standalone.out"
    arguments = ["--data", str(folder / "data"), "--port", "0", "--admin-password", PASSWORD]
    process = spawn(["-m", "stellwerk", "standalone", *arguments], output)
    try:
        _wait(lambda: "Stop with Ctrl-C" in output.read_text() or process.poll() is not None, 90, "start")
        text = output.read_text()
        cockpit, agent = (
            re.search(r"^Cockpit: (\S+)", text, re.M),
            re.search(r"^Agent agent: (https?://\S+)$", text, re.M),
        )
        assert cockpit and agent, text
        yield System(cockpit[1], agent[1], folder / "data" / "ca" / "ca.pem", process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Operator:
    """`stellwerk …` as an operator types it, with the profiles in `config`."""

    def __init__(self, config: Path) -> None:
        self.config = config

    def __call__(self, *arguments: str, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(main, list(arguments), env={"XDG_CONFIG_HOME": str(self.config), **(env or {})})

    def ok(self, *arguments: str) -> str:
        result = self(*arguments)
        assert result.exit_code == 0, f"{arguments}: {result.exit_code} {result.output} {result.exception!r}"
        return result.stdout

    def json(self, *arguments: str) -> Any:
        return json.loads(self.ok(*arguments, "--json"))


@pytest.fixture(scope="module")
def operator(system: System, tmp_path_factory: pytest.TempPathFactory) -> Operator:
    """Logged in as root."""
    logged_in = Operator(tmp_path_factory.mktemp("config"))
    logged_in.ok("login", "--url", system.url, "--password", PASSWORD, "--ca", str(system.ca))
    return logged_in
