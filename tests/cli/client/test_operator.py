"""The operator's command line against a real `stellwerk standalone` (one for the module): login, deploy with
the changes shown first, orders from adding to their logs, the daily plan, Agents, cluster, history, users, export,
and the exit codes scripts rely on."""

from __future__ import annotations

import json
import stat
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.cli.client.conftest import PASSWORD, Operator, System
from tests.e2e.nodes import free_port

from stellwerk.cli.client.exits import Exit
from stellwerk.cli.client.joc import JocClient

EXAMPLES = Path(__file__).parents[3] / "examples"


def job(script: str) -> dict[str, Any]:
    return {"agentName": "agent", "executable": {"TYPE": "ShellScriptExecutable", "script": script}}


def workflow(instructions: list[dict[str, Any]], jobs: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"TYPE": "Workflow", "version": "1.7.2", "instructions": instructions, "jobs": jobs, **more}


def step(name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": name, "label": name}


QUICK = workflow([step("hello")], {"hello": job("echo hello from quick")})
ASKING = workflow(
    [{"TYPE": "Prompt", "question": "'Go on?'"}, step("hello")], {"hello": job("echo answered")}
)
NAPPING = workflow([step("first"), {"TYPE": "Sleep", "duration": "1"}, step("second")],
                   {"first": job("echo before the nap"), "second": job("echo after the nap")})  # fmt: skip
LONG = workflow([{"TYPE": "Sleep", "duration": "600"}], {},
                orderPreparation={"parameters": {"count": {"type": "Number"}, "who": {"type": "String"}}})  # fmt: skip


def write(folder: Path, name: str, item: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(item, indent=2))
    return path


@pytest.fixture(scope="module")
def deployed(operator: Operator, tmp_path_factory: pytest.TempPathFactory) -> Operator:
    """The test workflows in the inventory folder /ops, deployed."""
    folder = tmp_path_factory.mktemp("inventory") / "ops"
    for name, item in (("quick", QUICK), ("asking", ASKING), ("napping", NAPPING), ("long", LONG)):
        write(folder, f"{name}.workflow.json", item)
    operator.ok("deploy", str(folder.parent))
    return operator


def test_login_keeps_the_token_in_a_private_profile_and_names_bad_credentials(
    operator: Operator, system: System
) -> None:
    file = operator.config / "stellwerk" / "profiles.toml"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    text = file.read_text()
    assert system.url in text and "token = " in text and PASSWORD not in text

    other = Operator(operator.config)
    refused = other(
        "login", "--profile", "wrong", "--url", system.url, "--password", "nope", "--ca", str(system.ca)
    )
    assert refused.exit_code == Exit.NOT_LOGGED_IN and "Wrong account or password" in refused.stderr
    never = other("orders", "list", "--profile", "wrong")
    assert never.exit_code == Exit.NOT_LOGGED_IN and "stellwerk login" in never.stderr
    unreachable = other(
        "login", "--profile", "far", "--url", f"http://127.0.0.1:{free_port()}", "--password", "x"
    )
    assert unreachable.exit_code == Exit.UNREACHABLE and "unreachable" in unreachable.stderr


def test_an_expired_or_unknown_token_asks_for_a_login(
    operator: Operator, system: System, tmp_path: Path
) -> None:
    stale = Operator(tmp_path)
    (tmp_path / "stellwerk").mkdir()
    (tmp_path / "stellwerk" / "profiles.toml").write_text(f'[profiles.default]\nurl = "{system.url}"\ntoken = "stale"\nca = "{system.ca}"\n')  # fmt: skip
    answer = stale("orders", "list")
    assert answer.exit_code == Exit.NOT_LOGGED_IN and "stellwerk login" in answer.stderr


def test_deploy_shows_what_changes_then_stores_and_deploys(operator: Operator, tmp_path: Path) -> None:
    folder = tmp_path / "tree"
    file = write(
        folder / "changing", "greeter.workflow.json", workflow([step("hi")], {"hi": job("echo one")})
    )
    first = operator.ok("deploy", str(folder))
    assert "added" in first and "/changing/greeter" in first and "Deployed 1 and released 0" in first

    file.write_text(json.dumps(workflow([step("hi")], {"hi": job("echo two")})))
    dry = operator.ok("deploy", str(folder), "--dry-run")
    lines = [line.replace(" ", "") for line in dry.splitlines()]
    assert "changed" in dry and '-"script":"echoone"' in lines and '+"script":"echotwo"' in lines
    assert "dry run" in dry
    planned = operator.json("deploy", str(folder))
    assert [change["change"] for change in planned["changes"]] == ["changed"], "the dry run stored nothing"
    assert planned["deployed"] == [{"path": "/changing/greeter", "objectType": "WORKFLOW"}]
    assert "Nothing to deploy" in operator.ok("deploy", str(folder))

    added = operator.json("orders", "add", "greeter")
    assert len(added["orderIds"]) == 1


def test_deploy_refuses_an_invalid_workflow_and_stores_nothing(operator: Operator, tmp_path: Path) -> None:
    bad = workflow([step("hi")], {"hi": {"agentName": "agent", "executable": {"TYPE": "Teleport"}}})
    write(tmp_path / "broken", "broken.workflow.json", bad)
    answer = operator("deploy", str(tmp_path))
    assert answer.exit_code == Exit.BAD_INPUT and "/broken/broken" in answer.stderr
    assert "added" in operator.ok("deploy", str(tmp_path), "--dry-run"), "not stored"
    missing = operator("deploy", str(tmp_path / "nothing-here"))
    assert missing.exit_code == Exit.BAD_INPUT


def test_deploy_a_folder_of_examples_and_export_it_again(operator: Operator, tmp_path: Path) -> None:
    result = operator.json("deploy", str(EXAMPLES))
    paths = {change["path"] for change in result["changes"]}
    assert {"/basics/hello", "/coordination/oneAtATime", "/parallel/forkJoin"} <= paths
    assert {"path": "/basics/hello", "objectType": "WORKFLOW"} in result["deployed"]
    archive = tmp_path / "basics.zip"
    operator.ok("export", "/basics", "--output", str(archive))
    with zipfile.ZipFile(archive) as opened:
        assert "basics/hello.workflow.json" in opened.namelist()


def test_an_order_from_adding_to_its_log_and_history(deployed: Operator) -> None:
    order_id = deployed.ok("orders", "add", "quick", "--name", "q1").strip()
    assert order_id.endswith("-q1")
    watched = deployed("orders", "watch", order_id, "--until-finished", "--interval", "0.1")
    assert watched.exit_code == 0, watched.output
    log = deployed.ok("logs", order_id, "--follow", "--interval", "0.1", "--timeout", "30")
    assert "OrderStarted" in log and "| hello from quick" in log and "OrderFinished" in log
    entries = [json.loads(line) for line in deployed.ok("logs", order_id, "--json").splitlines()]
    assert entries[-1]["logEvent"] == "OrderFinished"
    runs = deployed.json("history", "--workflow", "/ops/quick")["history"]
    assert any(run["orderId"] == order_id and run["state"]["_text"] == "SUCCESSFUL" for run in runs)
    assert order_id in deployed.ok("history")
    tasks = deployed.json("history", "--tasks")["history"]
    assert any(task["orderId"] == order_id for task in tasks)


def test_follow_a_log_until_the_run_ends(deployed: Operator) -> None:
    order_id = deployed.json("orders", "add", "napping")["orderIds"][0]
    log = deployed.ok("logs", order_id, "--follow", "--interval", "0.1", "--timeout", "60")
    assert (
        "| before the nap" in log
        and "| after the nap" in log
        and log.rstrip().endswith("OrderFinished position=3")
    )


def test_list_show_suspend_resume_answer_and_cancel(deployed: Operator) -> None:
    asking = deployed.json("orders", "add", "asking")["orderIds"][0]
    long = deployed.json("orders", "add", "long", "--arg", "count=3", "--arg", "who=ops")["orderIds"][0]
    deployed.ok("orders", "watch", asking, "--count", "1")

    def state(order_id: str) -> str:
        return str(deployed.json("orders", "show", order_id)["state"]["_text"])

    _until(lambda: state(asking) == "PROMPTING")
    shown = deployed.ok("orders", "show", asking)
    assert "Why not moving" in shown and "answer to 'Go on?'" in shown
    listed = {order["orderId"]: order for order in deployed.json("orders", "list")["orders"]}
    assert listed[long]["arguments"] == {"count": 3, "who": "ops"}
    assert asking in deployed.ok("orders", "list", "--workflow", "/ops/asking")
    assert long not in deployed.ok("orders", "list", "--workflow", "/ops/asking")

    pending = deployed.ok("orders", "add", "quick", "--at", "never").strip()
    assert "no planned start" in deployed.ok("orders", "show", pending)
    deployed.ok("orders", "suspend", pending)
    _until(lambda: state(pending) == "SUSPENDED")
    assert "orders resume" in deployed.ok("orders", "show", pending)
    deployed.ok("orders", "resume", pending)
    _until(lambda: state(pending) == "PENDING")
    deployed.ok("orders", "cancel", pending)
    _until(lambda: deployed("orders", "show", pending).exit_code == Exit.UNKNOWN_OBJECT)

    deployed.ok("orders", "answer", asking)
    assert deployed("orders", "watch", asking, "--until-finished", "--interval", "0.1").exit_code == 0
    assert "| answered" in deployed.ok("logs", asking, "--follow", "--interval", "0.1", "--timeout", "30")

    assert "sleeps" in deployed.json("orders", "show", long)["explanation"][0]
    deployed.ok("orders", "cancel", long)
    _until(lambda: deployed("orders", "show", long).exit_code == Exit.UNKNOWN_OBJECT)


def test_exit_codes_of_bad_input_and_unknown_objects(deployed: Operator) -> None:
    assert deployed("orders", "show", "no-such-order").exit_code == Exit.UNKNOWN_OBJECT
    assert deployed("orders", "add", "quick", "--arg", "novalue").exit_code == Exit.BAD_INPUT
    assert deployed("orders", "list", "--state", "NOT_A_STATE").exit_code == Exit.BAD_INPUT
    assert deployed("orders", "frobnicate").exit_code == Exit.BAD_INPUT
    assert deployed("agents", "enable", "no-such-agent").exit_code == Exit.UNKNOWN_OBJECT
    for operation in ("switchover", "confirm-loss"):
        alone = deployed("cluster", operation)
        assert alone.exit_code == Exit.UNKNOWN_OBJECT, alone.output
        assert "is not a Controller cluster" in alone.output
    assert "Exit codes: 0 done" in deployed.ok("orders", "list", "--help")


def test_the_daily_plan_from_released_schedules(deployed: Operator, tmp_path: Path) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    folder = tmp_path / "plans"
    write(folder, "always.calendar.json", {"type": "WORKINGDAYSCALENDAR", "includes": {"weekdays": [{"days": [0, 1, 2, 3, 4, 5, 6]}]}})  # fmt: skip
    schedule = {
        "workflowNames": ["quick"],
        "planOrderAutomatically": True,
        "calendars": [
            {"calendarName": "always", "timeZone": "Etc/UTC", "periods": [{"singleStart": "23:00:00"}]}
        ],
    }
    write(folder, "nightly.schedule.json", schedule)
    released = deployed.json("deploy", str(tmp_path))["released"]
    assert {"path": "/plans/nightly", "objectType": "SCHEDULE"} in released
    assert "Planned 1 orders" in deployed.ok("plan", "generate", "--date", tomorrow)
    items = deployed.json("plan", "show", "--date", tomorrow)["plannedOrderItems"]
    assert [(item["schedulePath"], item["state"]["_text"]) for item in items] == [
        ("/plans/nightly", "PLANNED")
    ]
    assert "/plans/nightly" in deployed.ok("plan", "show", "--date", tomorrow)
    deployed.ok("plan", "submit", "--date", tomorrow)
    items = deployed.json("plan", "show", "--date", tomorrow)["plannedOrderItems"]
    assert [item["state"]["_text"] for item in items] == ["SUBMITTED"]
    assert deployed("plan", "show", "--date", "tomorrow").exit_code == Exit.BAD_INPUT


def test_agents_cluster_and_users(deployed: Operator, system: System) -> None:
    joc = JocClient(system.url, ca=str(system.ca))
    joc.login("root", PASSWORD)
    agent = {"agentId": "agent", "agentName": "agent", "url": system.agent_url}
    joc.call("/agents/inventory/store", {"controllerId": "controller", "agents": [agent]})
    assert "COUPLED" in deployed.ok("agents", "list")
    deployed.ok("agents", "disable", "agent")
    assert deployed.json("agents", "list")["agents"][0]["disabled"] is True
    deployed.ok("agents", "enable", "agent")
    assert deployed.json("agents", "list")["agents"][0]["disabled"] is False
    assert deployed("agents", "reset", "no-such-agent").exit_code == Exit.UNKNOWN_OBJECT
    assert "reset: agent" in deployed.ok("agents", "reset", "agent")
    _until(lambda: "COUPLED" in deployed.ok("agents", "list"))  # the reset Agent, dedicated anew

    status = deployed.ok("cluster", "status")
    assert "Controller" in status and "STANDALONE" in status and "Cockpit" in status
    assert deployed.json("cluster", "status")["controllers"][0]["controllerId"] == "controller"

    accounts = deployed.json("users")["accounts"]
    assert [(a["accountName"], a["roles"]) for a in accounts] == [("root", ["administrator"])]
    assert "root" in deployed.ok("users")


def test_an_account_without_permissions_gets_exit_code_6(operator: Operator, system: System) -> None:
    root = JocClient(system.url, ca=str(system.ca))
    root.login("root", PASSWORD)
    account = {
        "identityServiceName": "JOC",
        "accountName": "viewer",
        "password": "viewer-secret",
        "roles": [],
    }
    root.call("/iam/account/store", account)
    # a new profile starts at the default profile's Cockpit and CA
    operator.ok("login", "--profile", "viewer", "--account", "viewer", "--password", "viewer-secret")
    lost = operator("orders", "list", "--profile", "viewer")
    assert lost.exit_code == Exit.UNKNOWN_OBJECT and "--controller" in lost.stderr
    operator.ok("login", "--profile", "viewer", "--password", "viewer-secret", "--controller", "controller")
    refused = operator("orders", "list", "--profile", "viewer")
    assert refused.exit_code == Exit.NOT_PERMITTED and "sos:products:controller:orders:view" in refused.stderr


def test_logout_forgets_the_token(system: System, tmp_path: Path) -> None:
    operator = Operator(tmp_path)
    operator.ok(
        "login", "--url", system.url, "--password", PASSWORD, "--profile", "short", "--ca", str(system.ca)
    )
    operator.ok("logout", "--profile", "short")
    assert operator("users", "--profile", "short").exit_code == Exit.NOT_LOGGED_IN


def _until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not so within {seconds} s"
        time.sleep(0.1)
