from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from stellwerk.model.jobs import (
    CommandLineExecutable,
    Executable,
    PathExecutable,
    ReturnCodeMeaning,
    ShellScriptExecutable,
    WorkflowJob,
)
from stellwerk.model.outcome import Failed, Killed, Succeeded, TimedOut
from stellwerk.model.values import Value
from stellwerk.runner.executors import ExecutionSettings, StepResult, execute_job
from stellwerk.runner.process import ProcessKiller

if TYPE_CHECKING:
    from conftest import OutputRecorder


def workflow_job(executable: Executable, **options: object) -> WorkflowJob:
    return WorkflowJob(agent_path="AGENT", executable=executable, **options)  # type: ignore[arg-type]


def execute(
    job: WorkflowJob,
    work_dir: Path,
    output: OutputRecorder,
    env: Mapping[str, str | None] | None = None,
    arguments: Mapping[str, Value] | None = None,
    settings: ExecutionSettings | None = None,
    kill: ProcessKiller | None = None,
) -> StepResult:
    return asyncio.run(
        execute_job(job, env or {}, arguments or {}, work_dir, output, kill, settings=settings)
    )


def test_return_values_round_trip(tmp_path: Path, output: OutputRecorder) -> None:
    script = 'echo "a=1" >>"$JS7_RETURN_VALUES"; echo "b=x=y" >>"$JS7_RETURN_VALUES"; echo junk >>"$JS7_RETURN_VALUES"'
    result = execute(workflow_job(ShellScriptExecutable(script=script)), tmp_path, output)
    assert result.outcome == Succeeded(named_values={"returnCode": 0, "a": "1", "b": "x=y"})
    assert result.return_values == {"a": "1", "b": "x=y"}


def test_script_without_shebang_runs_with_sh_and_with_one_directly(
    tmp_path: Path, output: OutputRecorder
) -> None:
    probe = 'if [ -n "$BASH_VERSION" ]; then echo bash; else echo sh; fi'
    execute(workflow_job(ShellScriptExecutable(script=probe)), tmp_path, output)
    execute(workflow_job(ShellScriptExecutable(script="#!/bin/bash\n" + probe)), tmp_path, output)
    assert output.text("stdout") == "sh\nbash\n"


def test_return_code_meaning_range(tmp_path: Path, output: OutputRecorder) -> None:
    meaning = ReturnCodeMeaning(success="0,3..5")
    ok = execute(
        workflow_job(ShellScriptExecutable(script="exit 4", return_code_meaning=meaning)), tmp_path, output
    )
    bad = execute(
        workflow_job(ShellScriptExecutable(script="exit 6", return_code_meaning=meaning)), tmp_path, output
    )
    assert ok.outcome == Succeeded(named_values={"returnCode": 4})
    assert bad.outcome == Failed(named_values={"returnCode": 6})


def test_fail_on_err_written(tmp_path: Path, output: OutputRecorder) -> None:
    job = workflow_job(ShellScriptExecutable(script="echo warn >&2; echo last >&2"), fail_on_err_written=True)
    assert execute(job, tmp_path, output).outcome == Failed(message="The job's error channel: last")


def test_env_is_passed_and_none_unsets(tmp_path: Path, output: OutputRecorder) -> None:
    settings = ExecutionSettings(inherited_env={"PATH": os.environ["PATH"], "DROP": "x", "KEEP": "k"})
    script = 'echo "$GREETING ${DROP-unset} $KEEP"'
    env = {"GREETING": "hello", "DROP": None}
    execute(workflow_job(ShellScriptExecutable(script=script)), tmp_path, output, env=env, settings=settings)
    assert output.text("stdout") == "hello unset k\n"


def test_work_dir_is_the_current_directory(tmp_path: Path, output: OutputRecorder) -> None:
    execute(workflow_job(ShellScriptExecutable(script="pwd")), tmp_path, output)
    assert output.text("stdout") == f"{tmp_path}\n"


def test_timeout_gives_timed_out_failed(tmp_path: Path, output: OutputRecorder) -> None:
    job = workflow_job(ShellScriptExecutable(script="sleep 300"), timeout=0.3, sigkill_delay=1)
    result = execute(job, tmp_path, output)
    assert result.outcome == TimedOut(outcome=Failed(named_values={"returnCode": 143}))


def test_kill_gives_killed(tmp_path: Path, output: OutputRecorder) -> None:
    killer = ProcessKiller()
    killer.kill(immediately=True)
    result = execute(workflow_job(ShellScriptExecutable(script="sleep 300")), tmp_path, output, kill=killer)
    assert result.outcome == Killed(outcome=Failed(named_values={"returnCode": 137}))


def test_command_line_is_split_without_a_shell(tmp_path: Path, output: OutputRecorder) -> None:
    command = "printf '%s|' 'a b' \"$HOME\" c"
    result = execute(workflow_job(CommandLineExecutable(command=command)), tmp_path, output)
    assert result.outcome == Succeeded(named_values={"returnCode": 0})
    assert output.text("stdout") == "a b|$HOME|c|"


def test_path_executable_is_found_in_the_executables_directory(
    tmp_path: Path, output: OutputRecorder
) -> None:
    program = tmp_path / "bin" / "hello.sh"
    program.parent.mkdir()
    program.write_text('#!/bin/sh\necho "hello from $0"\nexit 2\n')
    program.chmod(0o755)
    settings = ExecutionSettings(executables_directory=tmp_path)
    result = execute(workflow_job(PathExecutable(path="bin/hello.sh")), tmp_path, output, settings=settings)
    assert result.outcome == Failed(named_values={"returnCode": 2})
    assert output.text("stdout") == f"hello from {program}\n"


def test_path_executable_must_not_climb_out(tmp_path: Path, output: OutputRecorder) -> None:
    result = execute(workflow_job(PathExecutable(path="../x.sh")), tmp_path, output)
    assert isinstance(result.outcome, Failed) and result.process is None
    assert "Invalid relative executable path" in (result.outcome.message or "")


def test_missing_executable_fails_the_step(tmp_path: Path, output: OutputRecorder) -> None:
    result = execute(workflow_job(PathExecutable(path="missing.sh")), tmp_path, output)
    assert isinstance(result.outcome, Failed) and result.process is None
    assert "could not be started" in (result.outcome.message or "")


def test_v1_compatible_names(tmp_path: Path, output: OutputRecorder) -> None:
    script = 'echo "x=1" >>"$SCHEDULER_RETURN_VALUES"; echo "$SCHEDULER_PARAM_MY_ARG $SCHEDULER_PARAM_N"'
    job = workflow_job(ShellScriptExecutable(script=script, v1_compatible=True))
    result = execute(job, tmp_path, output, arguments={"my_arg": "v", "n": 7})
    assert result.outcome == Succeeded(named_values={"returnCode": 0, "x": "1"})
    assert output.text("stdout") == "v 7\n"


def test_step_files_are_private_and_gone_after_the_step(tmp_path: Path, output: OutputRecorder) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    script = 'ls -l "$0" "$JS7_RETURN_VALUES"; stat -c %a "$(dirname "$JS7_RETURN_VALUES")"'
    settings = ExecutionSettings(temp_directory=temp)
    for _ in range(2):
        result = execute(
            workflow_job(ShellScriptExecutable(script=script)), tmp_path, output, settings=settings
        )
        assert result.outcome == Succeeded(named_values={"returnCode": 0})
    lines = output.text("stdout").splitlines()
    assert (
        sorted(line[:10] for line in lines if line.startswith("-")) == ["-rw-------"] * 2 + ["-rwx------"] * 2
    )
    assert lines.count("700") == 2
    script_files = {line.split()[-1] for line in lines if line.startswith("-rwx")}
    assert len(script_files) == 2, "each step has files of its own"
    (steps,) = temp.iterdir()
    assert list(steps.iterdir()) == []
