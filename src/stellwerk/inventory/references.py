"""Cross-item checks: what workflows and file watches refer to (locks, boards, job resources, workflows,
agents) must be among the loaded items."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator

from stellwerk.inventory.items import EngineItem
from stellwerk.model import instructions as i
from stellwerk.model.items import FileWatch, GlobalBoard, JobResource, LockItem, PlannableBoard
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow, walk

_QUOTED_NAME = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def verify_references(
    workflows: Iterable[Workflow], items: Iterable[EngineItem], *, known_agents: Collection[str] | None = None
) -> list[Problem]:
    """Problems like "Workflow:w: unknown lock 'L1'"; agents are checked only if `known_agents` is given
    (`stellwerk run` creates agents implicitly)."""
    workflows = list(workflows)
    items = list(items)
    known = {
        "workflow": {w.path for w in workflows} | {w.path for w in items if isinstance(w, Workflow)},
        "lock": {x.path for x in items if isinstance(x, LockItem)},
        "board": {x.path for x in items if isinstance(x, GlobalBoard | PlannableBoard)},
        "job resource": {x.path for x in items if isinstance(x, JobResource)},
    }
    if known_agents is not None:
        known["agent"] = set(known_agents)
    problems: list[Problem] = []
    for owner, kind, name in _references(workflows, items):
        if kind in known and name not in known[kind]:
            problems.append(Problem(f"{owner}: unknown {kind} {name!r}"))
    return problems


def _references(workflows: list[Workflow], items: list[EngineItem]) -> Iterator[tuple[str, str, str]]:
    for workflow in [*workflows, *(w for w in items if isinstance(w, Workflow))]:
        owner = f"Workflow:{workflow.path}"
        yield from ((owner, "job resource", p) for p in workflow.job_resource_paths)
        for job in workflow.jobs.values():
            yield owner, "agent", job.agent_path
            yield from ((owner, "job resource", p) for p in job.job_resource_paths)
        for _, instruction in walk(workflow.instructions):
            yield from ((owner, kind, name) for kind, name in _instruction_references(instruction))
    for watch in (x for x in items if isinstance(x, FileWatch)):
        yield f"FileWatch:{watch.path}", "workflow", watch.workflow_path
        yield f"FileWatch:{watch.path}", "agent", watch.agent_path


def _instruction_references(instruction: i.Instruction) -> Iterator[tuple[str, str]]:
    match instruction:
        case i.Lock():
            yield from (("lock", d.lock_path) for d in instruction.demands)
        case i.PostNotices():
            yield from (("board", b) for b in instruction.board_paths)
        case i.ExpectNotices() | i.ConsumeNotices():
            for single, double in _QUOTED_NAME.findall(instruction.board_paths):
                yield "board", single or double
        case i.AddOrder():
            yield "workflow", instruction.workflow_path
        case i.StickySubagent():
            yield "agent", instruction.agent_path
        case i.Fork() | i.ForkList() if instruction.agent_path:
            yield "agent", instruction.agent_path
        case i.ExecuteAnonymous():
            yield "agent", instruction.job.agent_path
            yield from (("job resource", p) for p in instruction.job.job_resource_paths)
