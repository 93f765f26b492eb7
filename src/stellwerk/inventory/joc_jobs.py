"""Workflow jobs, executables and order parameters in JOC's inventory dialect (for decoding only).

JOC-only fields (title, documentation, criticality, warnings, notification, job template) are accepted and dropped.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from stellwerk.model.admission import AdmissionTimeScheme


class _Joc(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, rename="camel"):
    pass


Codes = tuple[int, ...] | str


class JocReturnCode(_Joc, frozen=True, kw_only=True):
    success: Codes | None = None
    failure: Codes | None = None
    warning: Codes | None = None


class JocLogin(_Joc, frozen=True, kw_only=True):
    credential_key: str
    with_user_profile: bool = False


class _JocExecutable(_Joc, frozen=True, kw_only=True, tag_field="TYPE"):
    pass


class JocShellScript(_JocExecutable, tag="ShellScriptExecutable", frozen=True, kw_only=True):
    script: str
    env: dict[str, str] = {}
    v1_compatible: bool = False
    return_code_meaning: JocReturnCode | None = None
    login: JocLogin | None = None


class JocScript(JocShellScript, tag="ScriptExecutable", frozen=True, kw_only=True):
    """The legacy name of ShellScriptExecutable."""


class JocInternal(_JocExecutable, tag="InternalExecutable", frozen=True, kw_only=True):
    class_name: str
    internal_type: Literal["JITL", "Java", "JavaScript_Graal", "Python_Graal", "JavaScript_Node"] | None = (
        None
    )
    script: str | None = None
    job_arguments: dict[str, Any] = {}
    return_code_meaning: JocReturnCode | None = None
    arguments: dict[str, str] = {}


JocExecutable = JocShellScript | JocScript | JocInternal


class JocJobTemplateRef(_Joc, frozen=True, kw_only=True):
    name: str | None = None
    hash: str | None = None


class JocJob(_Joc, frozen=True, kw_only=True):
    agent_name: str
    executable: JocExecutable
    subagent_cluster_id: str | None = None
    subagent_cluster_id_expr: str | None = None
    with_subagent_cluster_id_expr: bool = False
    admission_time_scheme: AdmissionTimeScheme | None = None
    skip_if_no_admission_for_order_day: bool = False
    kill_at_end_of_admission_period: bool = False
    return_code_meaning: JocReturnCode | None = None  # deprecated here, moved to the executable
    parallelism: int = 1
    timeout: int | None = None
    grace_timeout: int | None = None
    fail_on_err_written: bool = False
    warn_on_err_written: bool = False
    job_template: JocJobTemplateRef | None = None
    default_arguments: dict[str, str] = {}
    job_resource_names: tuple[str, ...] = ()
    title: str | None = None
    documentation_name: str | None = None
    criticality: Literal["NORMAL", "CRITICAL", "MINOR", "MAJOR"] | None = None
    warn_if_shorter: str | None = None
    warn_if_longer: str | None = None
    notification: dict[str, Any] | None = None
    is_not_restartable: bool = False


ListParameterType = Literal["String", "Number", "Boolean"]


class JocListParameter(_Joc, frozen=True, kw_only=True):
    type: ListParameterType
    default: Any = None


class JocParameter(_Joc, frozen=True, kw_only=True):
    type: Literal["String", "Number", "Boolean", "List", "Map"]
    default: Any = None
    final: str | None = None
    list_parameters: dict[str, dict[str, Any]] | None = None  # JocListParameter, decoded one by one
    facet: str | None = None
    list: tuple[str, ...] | None = None
    message: str | None = None


class JocOrderPreparation(_Joc, frozen=True, kw_only=True):
    parameters: dict[str, dict[str, Any]] = {}  # JocParameter, decoded one by one
    allow_undeclared: bool = False
