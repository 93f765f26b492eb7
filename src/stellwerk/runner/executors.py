"""Running a workflow job's executable as a process and turning its end into the step's outcome.

- ShellScriptExecutable: the script is written to a file (mode 0700) of the step's own (`step_files.py`) and run
  directly if it starts with a shebang, else with /bin/sh.
- PathExecutable: a relative path is taken inside the executables directory (the work directory if none is
  configured) and must not climb out of it with '..'; an absolute path is used as it is.
- CommandLineExecutable: split like a POSIX shell would (shlex) and run without a shell.
- InternalExecutable: `python -m stellwerk.runner.pyjob` with the request as JSON on stdin (see pyjob.py).

The process gets the inherited environment (the agent's own, unless settings give another), overlaid with the
job's final `env` strings (a None value unsets the variable), plus JS7_RETURN_VALUES naming an empty file of the
step's own; with v1Compatible also SCHEDULER_RETURN_VALUES and SCHEDULER_PARAM_<NAME> for each argument.
Evaluating `env` and argument expressions is the caller's job.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

import msgspec

import stellwerk
from stellwerk.model.jobs import (
    CommandLineExecutable,
    InternalExecutable,
    PathExecutable,
    ShellScriptExecutable,
    WorkflowJob,
)
from stellwerk.model.outcome import Failed, Outcome
from stellwerk.model.problems import Problem
from stellwerk.model.values import Value
from stellwerk.runner.outcomes import process_outcome
from stellwerk.runner.output import OutputCallback
from stellwerk.runner.process import (
    DEFAULT_OUTPUT_GRACE,
    DEFAULT_SIGKILL_DELAY,
    ProcessKiller,
    ProcessLaunch,
    ProcessResult,
    run_process,
)
from stellwerk.runner.return_values import (
    RETURN_VALUES_VARIABLE,
    V1_RETURN_VALUES_VARIABLE,
    read_return_values,
    value_text,
)
from stellwerk.runner.spawner import Spawner
from stellwerk.runner.step_files import StepFiles, step_files

PYJOB_MODULE = "stellwerk.runner.pyjob"
_request_encoder = msgspec.json.Encoder(decimal_format="number")


class ExecutionSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The runner's settings. `inherited_env` None means the environment of this process."""

    executables_directory: Path | None = None
    temp_directory: Path | None = None
    default_sigkill_delay: float = DEFAULT_SIGKILL_DELAY
    output_grace: float = DEFAULT_OUTPUT_GRACE
    inherited_env: dict[str, str] | None = None


class StepResult(msgspec.Struct, frozen=True, kw_only=True):
    """The step's outcome; `process` is None when no process could be started."""

    outcome: Outcome
    process: ProcessResult | None = None
    return_values: dict[str, str] = {}


class StepContext(msgspec.Struct, frozen=True, kw_only=True):
    """What a step's process is made of besides the job: its private files (the script and the return-values
    file), its work directory, the final env strings and the argument values."""

    files: StepFiles
    work_dir: Path
    env: Mapping[str, str | None]
    arguments: Mapping[str, Any]
    job_arguments: Mapping[str, Any]
    order_id: str | None

    @property
    def return_values_file(self) -> Path:
        return self.files.return_values


async def execute_job(
    job: WorkflowJob,
    env: Mapping[str, str | None],
    arguments: Mapping[str, Value],
    work_dir: Path,
    on_output: OutputCallback,
    kill: ProcessKiller | None = None,
    *,
    settings: ExecutionSettings | None = None,
    job_arguments: Mapping[str, Value] | None = None,
    order_id: str | None = None,
    spawner: Spawner | None = None,
) -> StepResult:
    """Runs one step of `job` in `work_dir` and returns its outcome; `spawner` starts its process if given."""
    settings = settings or ExecutionSettings()
    with step_files(settings.temp_directory) as files:
        step = StepContext(
            files=files,
            work_dir=work_dir,
            env=env,
            arguments=arguments,
            job_arguments=job_arguments or {},
            order_id=order_id,
        )
        launch = build_launch(job, step, settings)
        if isinstance(launch, Problem):
            return StepResult(outcome=Failed(message=launch.message))
        try:
            result = await run_process(launch, on_output, kill, spawner)
        except OSError as error:
            return StepResult(outcome=Failed(message=f"The job's process could not be started: {error}"))
        return_values = read_return_values(step.return_values_file)
    return StepResult(
        outcome=process_outcome(job, result, return_values), process=result, return_values=return_values
    )


def build_launch(job: WorkflowJob, step: StepContext, settings: ExecutionSettings) -> ProcessLaunch | Problem:
    """The process for `job`; writes the script and the empty return-values file of the step."""
    executable = job.executable
    argv = _command(executable, step, settings)
    if isinstance(argv, Problem):
        return argv
    os.close(os.open(step.return_values_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    v1_compatible = (
        isinstance(executable, ShellScriptExecutable | PathExecutable) and executable.v1_compatible
    )
    env = process_environment(settings, step, v1_compatible)
    stdin = None
    if isinstance(executable, InternalExecutable):
        env = _with_stellwerk_importable(env)
        stdin = pyjob_request(executable, step)
    return ProcessLaunch(
        argv=argv,
        env=env,
        cwd=step.work_dir,
        timeout=float(job.timeout) if job.timeout is not None else None,
        sigkill_delay=float(job.sigkill_delay)
        if job.sigkill_delay is not None
        else settings.default_sigkill_delay,
        stdin=stdin,
        output_grace=settings.output_grace,
    )


def _command(
    executable: ShellScriptExecutable | PathExecutable | CommandLineExecutable | InternalExecutable,
    step: StepContext,
    settings: ExecutionSettings,
) -> list[str] | Problem:
    match executable:
        case ShellScriptExecutable(script=script):
            return _script_command(script, step.files.script)
        case PathExecutable(path=path):
            resolved = resolve_executable_path(path, settings.executables_directory or step.work_dir)
            return resolved if isinstance(resolved, Problem) else [str(resolved)]
        case CommandLineExecutable(command=command):
            return _split_command_line(command)
        case InternalExecutable(class_name=class_name):
            if not class_name:
                return Problem("An InternalExecutable needs a className 'module:function'")
            return [sys.executable, "-m", PYJOB_MODULE]


def _script_command(script: str, file: Path) -> list[str]:
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o700)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(script)
    return [str(file)] if script.startswith("#!") else ["/bin/sh", str(file)]


def resolve_executable_path(path: str, executables_directory: Path) -> Path | Problem:
    if os.path.isabs(path):
        return Path(path)
    if not path or ".." in PurePath(path).parts:
        return Problem(f"Invalid relative executable path: {path!r}")
    return executables_directory / path


def _split_command_line(command: str) -> list[str] | Problem:
    try:
        argv = shlex.split(command)
    except ValueError as error:
        return Problem(f"Invalid command line: {error}")
    return argv or Problem("The command line is empty")


def process_environment(
    settings: ExecutionSettings, step: StepContext, v1_compatible: bool
) -> dict[str, str]:
    inherited = settings.inherited_env if settings.inherited_env is not None else os.environ
    env = dict(inherited)
    for name, value in step.env.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env[RETURN_VALUES_VARIABLE] = str(step.return_values_file)
    if v1_compatible:
        env[V1_RETURN_VALUES_VARIABLE] = str(step.return_values_file)
        env |= {f"SCHEDULER_PARAM_{name.upper()}": value_text(v) for name, v in step.arguments.items()}
    return env


def _with_stellwerk_importable(env: dict[str, str]) -> dict[str, str]:
    """A PYTHONPATH given for the job's modules must not hide stellwerk itself from the worker."""
    if "PYTHONPATH" not in env:
        return env
    root = str(Path(stellwerk.__file__).resolve().parent.parent)
    entries = env["PYTHONPATH"].split(os.pathsep)
    return env if root in entries else env | {"PYTHONPATH": os.pathsep.join([*entries, root])}


def pyjob_request(executable: InternalExecutable, step: StepContext) -> bytes:
    request = {
        "className": executable.class_name,
        "arguments": dict(step.arguments),
        "jobArguments": dict(step.job_arguments),
        "orderId": step.order_id,
    }
    return _request_encoder.encode(request)
