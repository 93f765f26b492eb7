"""The command line's parts without a Cockpit: profiles on disk, the changes a deployment shows, why an order
does not move, exit codes of answers, the local inventory files, and the shell completion script."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import click
import pytest
from rich.console import Console

from stellwerk.cli import main
from stellwerk.cli.client.changes import Kind, change_of
from stellwerk.cli.client.exits import CliFailure, Exit, exit_of
from stellwerk.cli.client.explain import explanation, instant
from stellwerk.cli.client.local_inventory import LocalObject, local_objects
from stellwerk.cli.client.profiles import Profile, read_profiles, save_profile
from stellwerk.cli.client.session import table


def test_profiles_round_trip_with_mode_0600_even_when_the_file_was_open_before(tmp_path: Path) -> None:
    file = tmp_path / "stellwerk" / "profiles.toml"
    file.parent.mkdir()
    file.write_text("")
    file.chmod(0o644)
    tricky = Profile(url="https://cockpit:4443", account='o"p\\s', token="t0k€n", controller="prod")
    save_profile("prod", tricky, file)
    save_profile("test env", Profile(url="http://127.0.0.1:1"), file)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert read_profiles(file) == {"prod": tricky, "test env": Profile(url="http://127.0.0.1:1")}
    assert read_profiles(tmp_path / "absent.toml") == {}


def local(configuration: dict[str, object]) -> LocalObject:
    return LocalObject("/f/w", "WORKFLOW", configuration, Path("w.workflow.json"))


def test_changes_of_a_deployment() -> None:
    mine = local({"TYPE": "Workflow", "instructions": [], "title": "new"})
    assert change_of(mine, None).kind == Kind.ADDED
    changed = change_of(mine, {"configuration": {"TYPE": "Workflow", "instructions": [], "title": "old"}, "deployed": True})  # fmt: skip
    assert (
        changed.kind == Kind.CHANGED
        and '-  "title": "old"' in changed.diff
        and '+  "title": "new"' in changed.diff
    )
    same = {"configuration": dict(mine.configuration), "valid": True}
    assert change_of(mine, {**same, "deployed": True}).kind == Kind.UNCHANGED
    assert change_of(mine, {**same, "deployed": False, "released": False}).kind == Kind.NOT_DEPLOYED
    assert change_of(mine, {**same, "deployed": True, "valid": False}).kind == Kind.NOT_DEPLOYED


def test_local_objects_by_file_name_in_store_order(tmp_path: Path) -> None:
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "job.workflow.json").write_text(json.dumps({"TYPE": "Workflow"}))
    (tmp_path / "team" / "one.lock.yaml").write_text("TYPE: Lock\nlimit: 1\n")
    (tmp_path / "team" / "off.calendar.json").write_text(json.dumps({"type": "NONWORKINGDAYSCALENDAR"}))
    (tmp_path / "team" / "script.sh").write_text("echo not inventory")
    found = [(item.path, item.object_type) for item in local_objects((tmp_path,), "/base")]
    assert found == [("/base/team/one", "LOCK"), ("/base/team/off", "NONWORKINGDAYSCALENDAR"), ("/base/team/job", "WORKFLOW")]  # fmt: skip
    with pytest.raises(CliFailure) as refused:
        local_objects((tmp_path / "team" / "script.sh",))
    assert refused.value.exit_code == Exit.BAD_INPUT
    (tmp_path / "team" / "bad.workflow.json").write_text("[1]")
    with pytest.raises(CliFailure):
        local_objects((tmp_path,))


def test_why_an_order_does_not_move() -> None:
    assert explanation({"state": {"_text": "RUNNING"}}) == []
    waiting = explanation({"state": {"_text": "WAITING", "_reason": "WAITING_FOR_LOCK"}})
    assert waiting == ["it waits for a lock another order holds"]
    obstacles = [{"type": "WaitingForAdmission", "until": "2026-01-01T08:00:00Z"}]
    assert explanation({"state": {"_text": "WAITING", "_reason": "WAITING_FOR_ADMISSION"}}, obstacles)[0] == (
        "outside the admission times of its job until 2026-01-01T08:00:00Z"
    )
    limited = explanation({"state": {"_text": "INPROGRESS"}}, [{"type": "JobProcessLimitReached"}])
    assert limited[0] == "its job runs as many processes as it may (processLimit)"
    scheduled = explanation({"state": {"_text": "SCHEDULED"}, "scheduledFor": 1_767_225_600_000})
    assert scheduled == ["it is scheduled for 2026-01-01T00:00:00Z"]
    marked = explanation(
        {"state": {"_text": "PROMPTING"}, "question": "Go?", "marked": {"_text": "SUSPENDING"}}
    )
    assert marked == [
        "it waits for an answer to 'Go?': `stellwerk orders answer`",
        "it is marked to be suspending",
    ]
    assert instant(253_402_214_400_000) == "never"


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (420, "JOC-400", Exit.BAD_INPUT),
        (420, "JOC-404", Exit.UNKNOWN_OBJECT),
        (420, "JOC-501", Exit.NOT_SUPPORTED),
        (420, "JOC-420", Exit.FAILED),
        (401, None, Exit.NOT_LOGGED_IN),
        (440, None, Exit.NOT_LOGGED_IN),
        (403, None, Exit.NOT_PERMITTED),
        (400, None, Exit.BAD_INPUT),
        (500, None, Exit.FAILED),
    ],
)
def test_exit_codes_of_answers(status: int, code: str | None, expected: Exit) -> None:
    assert exit_of(status, code) == expected


def test_shell_completion_script() -> None:
    stellwerk = Path(sys.executable).parent / "stellwerk"
    done = subprocess.run(
        [str(stellwerk)],
        env={"_STELLWERK_COMPLETE": "bash_source"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "_stellwerk_completion()" in done.stdout and "complete " in done.stdout
    words = subprocess.run(
        [str(stellwerk)],
        env={"_STELLWERK_COMPLETE": "bash_complete", "COMP_WORDS": "stellwerk orders s", "COMP_CWORD": "2"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "plain,show" in words.stdout and "plain,suspend" in words.stdout


def test_the_client_imports_no_server_code() -> None:
    modules = ["login", "deploy", "export", "orders", "logs", "plan", "agents", "cluster", "history", "users"]
    probe = "; ".join(f"import stellwerk.cli.client.{module}" for module in modules) + (
        "; import sys; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'sqlalchemy', 'uvicorn', 'starlette') or m.startswith('stellwerk.cockpit')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_every_operator_command_explains_its_options_and_exit_codes() -> None:
    context = click.Context(main)
    checked = 0
    for name in ("login", "logout", "deploy", "export", "orders", "logs", "plan", "agents", "cluster", "history", "users"):  # fmt: skip
        command = main.get_command(context, name)
        assert command is not None
        commands = [command.get_command(context, sub) for sub in command.list_commands(context)] if isinstance(command, click.Group) else [command]  # fmt: skip
        for each in commands:
            assert each is not None and each.epilog and "4 unknown object" in each.epilog
            for parameter in each.params:
                assert not isinstance(parameter, click.Option) or parameter.help, f"{name} {each.name} {parameter.name}"  # fmt: skip
            checked += 1
    assert checked == 25


def test_tables_show_data_as_it_is() -> None:
    console = Console(width=120, record=True)
    console.print(table(None, ("Name", "Message"), [("[bold]x[/bold]", None)]))
    assert "[bold]x[/bold]" in console.export_text()
