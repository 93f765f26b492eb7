"""JOC jobs and executables -> engine WorkflowJob (names per js7-reference §1.11; JOC-only fields dropped)."""

from __future__ import annotations

from typing import Any

from stellwerk.inventory.joc_jobs import JocExecutable, JocInternal, JocJob, JocReturnCode
from stellwerk.inventory.limits import MAX_SCRIPT_LENGTH
from stellwerk.inventory.literals import literal_expression, quote_string
from stellwerk.inventory.located import Finding, Rejected, child
from stellwerk.inventory.return_codes import convert_return_codes
from stellwerk.model.jobs import Executable, InternalExecutable, Login, ShellScriptExecutable, WorkflowJob


def convert_job(job: JocJob, path: str) -> WorkflowJob:
    """Raises Rejected (caught by `convert_workflow`) for what the engine cannot take."""
    return WorkflowJob(
        agent_path=job.agent_name,
        executable=_executable(job.executable, job.return_code_meaning, f"{path}.executable"),
        subagent_bundle_id_expr=_subagent_bundle_id_expr(
            job.subagent_cluster_id, job.subagent_cluster_id_expr
        ),
        default_arguments=job.default_arguments,
        job_resource_paths=job.job_resource_names,
        process_limit=job.parallelism,
        sigkill_delay=job.grace_timeout,
        timeout=job.timeout,
        kill_at_end_of_admission_period=job.kill_at_end_of_admission_period,
        fail_on_err_written=job.fail_on_err_written,
        admission_time_scheme=job.admission_time_scheme,
        skip_if_no_admission_start_for_order_day=job.skip_if_no_admission_for_order_day,
        is_not_restartable=job.is_not_restartable,
    )


def _subagent_bundle_id_expr(cluster_id: str | None, cluster_id_expr: str | None) -> str | None:
    """JOC's `subagentClusterId` is a constant id, its `subagentClusterIdExpr` already an expression."""
    if cluster_id_expr:
        return cluster_id_expr
    return quote_string(cluster_id) if cluster_id else None


def _executable(executable: JocExecutable, legacy_codes: JocReturnCode | None, path: str) -> Executable:
    if isinstance(executable, JocInternal):
        return _internal(executable, path)
    _check_script_length(executable.script, f"{path}.script")
    joc_codes = executable.return_code_meaning or legacy_codes
    codes_path = (
        f"{path}.returnCodeMeaning"
        if executable.return_code_meaning
        else f"{path[: -len('.executable')]}.returnCodeMeaning"
    )
    meaning = convert_return_codes(joc_codes, codes_path) if joc_codes else None
    if isinstance(meaning, Finding):
        raise Rejected(meaning)
    login = executable.login
    return ShellScriptExecutable(
        script=executable.script,
        env=executable.env,
        return_code_meaning=meaning,
        v1_compatible=executable.v1_compatible,
        login=Login(credential_key=login.credential_key, with_user_profile=login.with_user_profile)
        if login
        else None,
    )


def _internal(executable: JocInternal, path: str) -> InternalExecutable:
    if executable.script is not None:
        _check_script_length(executable.script, f"{path}.script")
    return InternalExecutable(
        class_name=executable.class_name,
        script=executable.script,
        job_arguments={
            name: _job_argument(value, child(f"{path}.jobArguments", name))
            for name, value in executable.job_arguments.items()
        },
        arguments=executable.arguments,
    )


def _job_argument(value: Any, path: str) -> str:
    """Strings are expressions already (as in JOC); numbers and booleans become their literal text."""
    if isinstance(value, str):
        return value
    text = literal_expression(value)
    if text is None:
        raise Rejected(Finding(path, "value has no expression form"))
    return text


def _check_script_length(script: str, path: str) -> None:
    if len(script) > MAX_SCRIPT_LENGTH:
        raise Rejected(Finding(path, f"script longer than {MAX_SCRIPT_LENGTH} characters"))
