"""What a job's process gets from its order: JS7's variables, env expressions, job resources."""

from __future__ import annotations

from tests.engine.harness import T0, add_order, shell_job, state_with, workflow

from stellwerk.engine.step import Step
from stellwerk.model import instructions as i
from stellwerk.model.items import JobResource
from stellwerk.model.workflow import job_of
from stellwerk.runner.jobenv import JobInput, job_input


def _input(job: dict[str, object], *, resource: JobResource | None = None) -> JobInput:
    w = workflow(
        "W", {"instructions": [{"TYPE": "Execute.Named", "jobName": "j", "label": "L"}], "jobs": {"j": job}}
    )
    state = state_with(w)
    if resource is not None:
        state.job_resources[resource.path] = resource
    add_order(state, "#2026-11-22#T1-o", "W", scheduled_for=T0, arguments={"x": 7})
    order = state.orders["#2026-11-22#T1-o"]
    step = Step(state, order, w, T0)
    instruction = w.instructions[0]
    assert isinstance(instruction, i.ExecuteNamed)
    job_struct = job_of(w, instruction)
    assert job_struct is not None
    result = job_input(step, job_struct, instruction)
    assert isinstance(result, JobInput), result
    return result


def test_every_job_sees_js7s_variables() -> None:
    env = _input(shell_job()).env
    assert env["JS7_ORDER_ID"] == "#2026-11-22#T1-o"
    assert env["JS7_WORKFLOW_NAME"] == "W"
    assert env["JS7_WORKFLOW_POSITION"] == "W~v1:0"
    assert env["JS7_LABEL"] == "L"
    assert env["JS7_JOB_NAME"] == "j"
    assert env["JS7_CONTROLLER_ID"] == "stellwerk"
    assert env["JS7_SCHEDULED_DATE"] == "2024-05-01 06:00:00+0000"
    assert env["JS7_TASKSTART_DATE"] == "2024-05-01 06:00:00+0000"


def test_the_jobs_env_and_job_resources_override_them_left_most_resource_first() -> None:
    first = JobResource(path="first", env={"WHO": "'first'", "JS7_LABEL": "'overridden'"})
    job = shell_job(jobResourcePaths=["first"])
    job["executable"] = {
        "TYPE": "ShellScriptExecutable",
        "script": "x",
        "env": {"X": "$x", "GONE": "missing"},
    }
    env = _input(job, resource=first).env
    assert env["X"] == "7"
    assert env["GONE"] is None  # missing unsets the variable
    assert env["WHO"] == "first"
    assert env["JS7_LABEL"] == "overridden"
