"""Workflow jobs and their executables (engine JSON)."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from stellwerk.model.admission import AdmissionTimeScheme

# An expression text, evaluated by stellwerk.expr.
Expr = str


class ReturnCodeMeaning(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Exactly one of `success` or `failure`; a list of codes or a text like "0,3..5". Default success = [0]."""

    success: tuple[int, ...] | str | None = None
    failure: tuple[int, ...] | str | None = None

    def is_success(self, return_code: int) -> bool:
        if self.failure is not None:
            return not _contains(self.failure, return_code)
        return _contains(self.success if self.success is not None else (0,), return_code)


def parse_code_ranges(text: str) -> list[tuple[int, int]] | None:
    """ "0,3..5" -> [(0, 0), (3, 5)]; None if malformed."""
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        low, sep, high = part.strip().partition("..")
        try:
            a = int(low)
            b = int(high) if sep else a
        except ValueError:
            return None
        if b < a:
            return None
        ranges.append((a, b))
    return ranges


def _contains(codes: tuple[int, ...] | str, return_code: int) -> bool:
    if isinstance(codes, str):
        return any(a <= return_code <= b for a, b in parse_code_ranges(codes) or [])
    return return_code in codes


class _Executable(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", omit_defaults=True):
    pass


class Login(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    credential_key: str = msgspec.field(name="credentialKey")
    with_user_profile: bool = msgspec.field(default=False, name="withUserProfile")


class ShellScriptExecutable(_Executable, tag="ShellScriptExecutable", frozen=True, kw_only=True):
    script: str
    env: dict[str, Expr] = {}
    return_code_meaning: ReturnCodeMeaning | None = msgspec.field(default=None, name="returnCodeMeaning")
    v1_compatible: bool = msgspec.field(default=False, name="v1Compatible")
    login: Login | None = None


class PathExecutable(_Executable, tag="PathExecutable", frozen=True, kw_only=True):
    path: str
    env: dict[str, Expr] = {}
    return_code_meaning: ReturnCodeMeaning | None = msgspec.field(default=None, name="returnCodeMeaning")
    v1_compatible: bool = msgspec.field(default=False, name="v1Compatible")
    login: Login | None = None


class CommandLineExecutable(_Executable, tag="CommandLineExecutable", frozen=True, kw_only=True):
    command: str
    env: dict[str, Expr] = {}
    return_code_meaning: ReturnCodeMeaning | None = msgspec.field(default=None, name="returnCodeMeaning")
    login: Login | None = None


class InternalExecutable(_Executable, tag="InternalExecutable", frozen=True, kw_only=True):
    """A Python callable `module:function` (or a class with `process(step)`), run in a worker process."""

    class_name: str = msgspec.field(name="className")
    script: str | None = None
    job_arguments: dict[str, Expr] = msgspec.field(default_factory=dict, name="jobArguments")
    arguments: dict[str, Expr] = {}


Executable = ShellScriptExecutable | PathExecutable | CommandLineExecutable | InternalExecutable


class WorkflowJob(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    agent_path: str = msgspec.field(name="agentPath")
    executable: Executable
    subagent_bundle_id_expr: Expr | None = msgspec.field(default=None, name="subagentBundleIdExpr")
    default_arguments: dict[str, Expr] = msgspec.field(default_factory=dict, name="defaultArguments")
    job_resource_paths: tuple[str, ...] = msgspec.field(default=(), name="jobResourcePaths")
    process_limit: int = msgspec.field(default=1, name="processLimit")
    sigkill_delay: int | Decimal | None = msgspec.field(default=None, name="sigkillDelay")
    timeout: int | Decimal | None = None
    kill_at_end_of_admission_period: bool = msgspec.field(default=False, name="killAtEndOfAdmissionPeriod")
    fail_on_err_written: bool = msgspec.field(default=False, name="failOnErrWritten")
    admission_time_scheme: AdmissionTimeScheme | None = msgspec.field(
        default=None, name="admissionTimeScheme"
    )
    skip_if_no_admission_start_for_order_day: bool = msgspec.field(
        default=False, name="skipIfNoAdmissionStartForOrderDay"
    )
    is_not_restartable: bool = msgspec.field(default=False, name="isNotRestartable")


def return_code_meaning(job: WorkflowJob) -> ReturnCodeMeaning:
    meaning = getattr(job.executable, "return_code_meaning", None)
    return meaning if isinstance(meaning, ReturnCodeMeaning) else ReturnCodeMeaning()
