"""A whole day of work through the real JOC client (js7-client-python) against `stellwerk standalone` (Cockpit,
Controller and Agent as processes), on SQLite, PostgreSQL and MariaDB: log in, register the Controller, store the
Agent, import an archive of workflows and deploy it, add orders with arguments and follow them to the end, read
the order and task history and the logs, cancel, suspend and resume, answer a prompt, export the folder back."""

from __future__ import annotations

import json
import re
import signal
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from js7 import Client
from js7.model.configuration.auth_configuration import AuthConfiguration, BasicAuth
from js7.model.configuration.http_configuration import HTTPConfiguration
from js7.model.public.client.common.configurations import DraftConfiguration
from js7.model.public.client.common.controller import Controller
from js7.model.public.client.common.store_agents import StoreAgent
from js7.model.public.client.enum.object_types import DeployObjectType
from js7.model.public.client.filter.export_folders_filter import ExportFoldersFilter
from js7.model.public.client.filter.get_order_filter import GetOrderFilter
from js7.model.public.client.filter.order_history_filter import OrderHistoryFilter
from js7.model.public.client.filter.resume_order_filter import ResumeOrderFilter
from js7.model.public.client.filter.suspend_order_filter import SuspendOrderFilter
from js7.model.public.client.filter.tasks_filter import TasksFilter
from js7.model.public.client.input.add_order import Order

from tests.cockpit.api.conftest import _empty
from tests.cockpit.backends import run
from tests.e2e.nodes import spawn

T = TypeVar("T")
# The JOC client keeps its HTTP connection open to the end of the process (its own choice, not ours to fix).
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
PASSWORD = "day-secret"
CONTROLLER_ID = "controller"
AGENT = "agent"


def shell_workflow(script: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    workflow: dict[str, Any] = {
        "version": "1.7.2",
        "instructions": [{"TYPE": "Execute.Named", "jobName": "job", "label": "job"}],
        "jobs": {
            "job": {
                "agentName": AGENT,
                "executable": {"TYPE": "ShellScriptExecutable", "script": f"#!/bin/sh\n{script}\n"},
            }
        },
    }
    if parameters:
        workflow["orderPreparation"] = {"parameters": parameters, "allowUndeclared": False}
        workflow["jobs"]["job"]["executable"]["env"] = {name.upper(): f"${name}" for name in parameters}
    return workflow


PROMPT = {
    "version": "1.7.2",
    "instructions": [
        {"TYPE": "Prompt", "question": "'Go on?'"},
        {"TYPE": "Execute.Named", "jobName": "job", "label": "job"},
    ],
    "jobs": {
        "job": {"agentName": AGENT, "executable": {"TYPE": "ShellScriptExecutable", "script": "echo after"}}
    },
}

ARCHIVE = {
    "day/hello.workflow.json": shell_workflow('echo "hello, $NAME"', {"name": {"type": "String"}}),
    "day/sleepy.workflow.json": shell_workflow("sleep 30"),
    "day/short.workflow.json": shell_workflow("sleep 2; echo short"),
    "day/prompting.workflow.json": PROMPT,
}


@dataclass
class Standalone:
    client: Client
    cockpit: str
    controller: str
    agent: str


def until(get: Callable[[], T], accept: Callable[[T], bool], what: str, seconds: float = 60) -> T:
    deadline = time.monotonic() + seconds
    while True:
        value = get()
        if accept(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {value!r} after {seconds} s")
        time.sleep(0.2)


@pytest.fixture
def standalone(database_url: str, tmp_path: Path) -> Iterator[Standalone]:
    run(lambda: _empty(database_url))
    output = tmp_path / "standalone.out"
    arguments = ["--data", str(tmp_path / "data"), "--port", "0", "--http", "--admin-password", PASSWORD]
    process = spawn(["-m", "stellwerk", "standalone", *arguments, "--database-url", database_url], output)
    try:
        until(
            lambda: output.read_text(),
            lambda t: "Stop with Ctrl-C" in t or process.poll() is not None,
            "start",
        )
        text = output.read_text()
        found = {
            name: re.search(rf"{name}: (https?://\S+)", text)
            for name in ("Cockpit", "Controller controller", "Agent agent")
        }
        assert all(found.values()), text
        cockpit = found["Cockpit"][1]  # type: ignore[index]
        host, port = cockpit.removeprefix("http://").split(":")
        client = Client(
            http_config=HTTPConfiguration(host=host, port=int(port)),
            auth_config=AuthConfiguration(basic_auth=BasicAuth(username="root", password=PASSWORD)),
        )
        yield Standalone(client, cockpit, found["Controller controller"][1], found["Agent agent"][1])  # type: ignore[index]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except Exception:
            process.kill()
            process.wait()


def history_of(client: Client, order_id: str) -> dict[str, Any] | None:
    history = client.order.manage.get_orders_history(CONTROLLER_ID, OrderHistoryFilter(order_id=order_id))
    return next((entry for entry in history if entry.get("order_id") == order_id), None)


def ended(client: Client, order_id: str) -> dict[str, Any]:
    """The order's history entry once it has ended (the client hands out snake_case dicts)."""

    def terminal(entry: dict[str, Any] | None) -> bool:
        return entry is not None and entry["state"]["text"] in ("SUCCESSFUL", "FAILED")

    entry = until(lambda: history_of(client, order_id), terminal, f"history of {order_id}")
    assert entry is not None
    return entry


def in_state(client: Client, order_id: str, state: str) -> bool:
    """The client's orders carry no state: it asks the server to filter by state."""
    wanted = GetOrderFilter(order_ids=[order_id], states=[state])  # type: ignore[list-item]
    return len(client.order.manage.get_orders(CONTROLLER_ID, wanted)) == 1


def running_task(client: Client, workflow: str, order_id: str) -> dict[str, Any] | None:
    tasks = client.task.manage.get_task_history_info(CONTROLLER_ID, TasksFilter(workflow_name=workflow))
    return next((task for task in tasks if task.get("order_id") == order_id), None)


def add(client: Client, workflow: str, name: str, arguments: dict[str, Any] | None = None) -> str:
    order_ids = client.order.operate.add_orders(
        CONTROLLER_ID, [Order(workflow_path=workflow, order_name=name, arguments=arguments)]
    )
    assert len(order_ids) == 1
    return order_ids[0]


def test_a_day_of_work_through_the_joc_client(standalone: Standalone, tmp_path: Path) -> None:
    client = standalone.client
    controller = Controller(url=standalone.controller, role="STANDALONE")
    assert client.controller.manage.register_controller([controller], controller_id=CONTROLLER_ID)
    agent = StoreAgent(id=AGENT, name=AGENT, url=standalone.agent)
    assert client.agent.manage.store_standalone_agents(CONTROLLER_ID, [agent])

    archive = tmp_path / "day.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, document in ARCHIVE.items():
            zipped.writestr(name, json.dumps(document))
    assert client.inventory.manage.import_configurations(archive, "ZIP", overwrite=True)
    folder = DraftConfiguration(path="/day", object_type=DeployObjectType.FOLDER, recursive=True)
    assert client.inventory.deploy.configurations(CONTROLLER_ID, deploy=[folder])

    hello = add(client, "/day/hello", "greeting", {"name": "operators"})
    entry = ended(client, hello)
    assert entry["state"]["text"] == "SUCCESSFUL"
    log = client.order.manage.get_order_log(CONTROLLER_ID, entry["history_id"])
    assert log, "the order log has entries"
    task = running_task(client, "hello", hello)
    assert task is not None
    assert "hello, operators" in client.task.manage.get_task_log(CONTROLLER_ID, task["task_id"])

    doomed = add(client, "/day/sleepy", "doomed")
    until(lambda: running_task(client, "sleepy", doomed), lambda task: task is not None, "sleepy running")
    assert client.order.operate.cancel_orders(CONTROLLER_ID, order_ids=[doomed], kill=True)
    assert ended(client, doomed)["state"]["text"] == "FAILED"  # JOC lists cancelled orders as failed

    paused = add(client, "/day/short", "paused")
    assert client.order.operate.suspend_orders(CONTROLLER_ID, SuspendOrderFilter(order_ids=[paused]))
    until(lambda: in_state(client, paused, "SUSPENDED"), bool, "suspended")
    assert client.order.operate.resume_orders(CONTROLLER_ID, ResumeOrderFilter(order_ids=[paused]))
    assert ended(client, paused)["state"]["text"] == "SUCCESSFUL"

    asking = add(client, "/day/prompting", "asking")
    until(lambda: in_state(client, asking, "PROMPTING"), bool, "prompting")
    assert client.order.operate.confirm_orders(CONTROLLER_ID, order_ids=[asking])
    assert ended(client, asking)["state"]["text"] == "SUCCESSFUL"

    export = ExportFoldersFilter(folder_paths=["/day"], for_signing=False)
    assert client.inventory.manage.export_folders(CONTROLLER_ID, tmp_path, export, "back.zip", "ZIP")
    with zipfile.ZipFile(tmp_path / "back.zip") as exported:
        names = set(exported.namelist())
    assert {name.removeprefix("/") for name in names} >= set(ARCHIVE)
