"""Execute: run a job on its Agent (the shell starts the process when it sees OrderProcessingStarted).

A Ready order starts only while its job and its Agent (AgentRef.processLimit) have a free process slot; else
it stays Ready and is derived again when a process of the job or the Agent ends (derive.touched_by)."""

from __future__ import annotations

from stellwerk.engine.admission import admission_decision
from stellwerk.engine.instructions.common import move_on, start_if_fresh
from stellwerk.engine.step import Events, Step
from stellwerk.engine.subagent_choice import choose_subagent
from stellwerk.engine.subagent_selection import Wait
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model.jobs import WorkflowJob
from stellwerk.model.order import Attached, Ready
from stellwerk.model.outcome import disrupted
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import job_of


def next_events(step: Step, instruction: i.Execute) -> Events:
    job = job_of(step.workflow, instruction)
    order = step.order
    if job is None:
        name = instruction.job_name if isinstance(instruction, i.ExecuteNamed) else "?"
        return [e.OrderOutcomeAdded(outcome=disrupted(f"Unknown job '{name}'"))]
    if _skipped(step, job):
        # JS7 (ExecuteExecutor.skippedReason) skips before attaching; a Fresh order moves on without starting.
        return move_on(step, reason=e.NoAdmissionPeriodStart())
    if order.is_detached:
        return [e.OrderAttachable(agent_path=job.agent_path)]
    attached = order.attached_state
    if not isinstance(attached, Attached) or attached.agent_path != job.agent_path:
        return [e.OrderDetachable()] if isinstance(attached, Attached) else []
    if (started := start_if_fresh(step)) is not None:
        return started
    if not isinstance(order.state, Ready):
        return []
    return _admitted_start(step, job, instruction)


def _admitted_start(step: Step, job: WorkflowJob, instruction: i.Execute) -> Events:
    decision = admission_decision(
        step, job.admission_time_scheme, job.skip_if_no_admission_start_for_order_day
    )
    if decision == "skip":
        return move_on(step, reason=e.NoAdmissionPeriodStart())
    if decision == "wait":
        return []
    if len(step.state.processing_of(step.order)) >= job.process_limit or agent_limit_reached(step, job):
        return []
    choice = choose_subagent(step, job)
    if isinstance(choice, Wait):
        return []  # no Subagent available: the order stays Ready, derived again when the Director's view changes
    if isinstance(choice, Problem):
        return [e.OrderOutcomeAdded(outcome=disrupted(choice.message))]
    end = decision if isinstance(decision, int) else None
    return [
        e.OrderProcessingStarted(
            subagent_id=choice.subagent_id,
            subagent_bundle_id=choice.bundle_id,
            stick=choice.stick,
            end_of_admission_period=end,
        )
    ]


def agent_limit_reached(step: Step, job: WorkflowJob) -> bool:
    """js7-reference §1.3 step 8: the AgentRef's processLimit caps the processes of all jobs of the Agent."""
    limit = step.state.agent_process_limit(job.agent_path)
    return limit is not None and len(step.state.agent_processing_of(step.order)) >= limit


def _skipped(step: Step, job: WorkflowJob) -> bool:
    if not job.skip_if_no_admission_start_for_order_day:
        return False
    return admission_decision(step, job.admission_time_scheme, True) == "skip"
