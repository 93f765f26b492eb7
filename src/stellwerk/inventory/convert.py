"""Inventory (JOC dialect) JSON trees -> engine items, per js7-reference §1.11. Pure: trees in, items out.

`convert_inventory` is the entry point; `to_engine_json` gives the engine JSON of the same conversion.
"""

from __future__ import annotations

from typing import Any

import msgspec

from stellwerk.inventory import joc_items as ji
from stellwerk.inventory.convert_instructions import InstructionConverter, SourceMap
from stellwerk.inventory.convert_jobs import convert_job
from stellwerk.inventory.items import EngineItem
from stellwerk.inventory.joc_jobs import JocJob
from stellwerk.inventory.kinds import ItemKind
from stellwerk.inventory.literals import quote_string, rename_epoch_everywhere
from stellwerk.inventory.located import Finding, Rejected, child, convert_struct
from stellwerk.inventory.parameters import convert_order_preparation
from stellwerk.model import instructions as i
from stellwerk.model.items import FileWatch, GlobalBoard, JobResource, LockItem, PlannableBoard
from stellwerk.model.jobs import WorkflowJob
from stellwerk.model.workflow import Workflow, walk

# JOC's name of the engine Calendar item that Cycles use.
DAILY_PLAN_CALENDAR = "dailyPlan"


def convert_inventory(
    kind: ItemKind, name: str, tree: dict[str, Any]
) -> tuple[EngineItem, SourceMap] | Finding:
    """The engine item of an inventory tree, and for workflows where each engine instruction came from."""
    tree = rename_epoch_everywhere(tree)
    try:
        match kind:
            case ItemKind.WORKFLOW:
                return _workflow(convert_struct(tree, ji.JocWorkflow), name)
            case ItemKind.LOCK:
                return LockItem(path=name, limit=convert_struct(tree, ji.JocLock).limit), {}
            case ItemKind.NOTICEBOARD:
                return _board(convert_struct(tree, ji.JocBoard), name), {}
            case ItemKind.JOBRESOURCE:
                resource = convert_struct(tree, ji.JocJobResource)
                return JobResource(path=name, variables=resource.arguments, env=resource.env), {}
            case ItemKind.FILEORDERSOURCE:
                return _file_watch(convert_struct(tree, ji.JocFileOrderSource), name), {}
    except Rejected as rejected:
        return rejected.finding
    return Finding("$", f"{kind.value} is not an engine item")


def to_engine_json(kind: ItemKind, name: str, tree: dict[str, Any]) -> dict[str, Any] | Finding:
    converted = convert_inventory(kind, name, tree)
    if isinstance(converted, Finding):
        return converted
    engine: dict[str, Any] = msgspec.to_builtins(converted[0])
    return engine


def _workflow(joc: ji.JocWorkflow, name: str) -> tuple[Workflow, SourceMap]:
    converter = InstructionConverter()
    instructions = converter.block(joc.instructions, "$.instructions", "$.instructions", 0)
    has_cycle = any(isinstance(instruction, i.Cycle) for _, instruction in walk(instructions))
    workflow = Workflow(
        path=name,
        version_id=joc.version_id or "",
        order_preparation=convert_order_preparation(joc.order_preparation, "$.orderPreparation"),
        time_zone=joc.time_zone,
        job_resource_paths=joc.job_resource_names,
        calendar_path=DAILY_PLAN_CALENDAR if has_cycle else None,
        instructions=instructions,
        jobs={name: _job(job, child("$.jobs", name)) for name, job in joc.jobs.items()},
    )
    return workflow, converter.source_map


def _job(tree: dict[str, Any], path: str) -> WorkflowJob:
    return convert_job(convert_struct(tree, JocJob, path), path)


def _board(joc: ji.JocBoard, name: str) -> GlobalBoard | PlannableBoard:
    plannable = joc.board_type == "PLANNABLE" or (joc.board_type is None and joc.TYPE == "PlannableBoard")
    if plannable:
        return PlannableBoard(
            path=name,
            post_order_to_notice_key=joc.post_order_to_notice_id or '""',
            expect_order_to_notice_key=joc.expect_order_to_notice_id or '""',
        )
    for field, value in (
        ("postOrderToNoticeId", joc.post_order_to_notice_id),
        ("expectOrderToNoticeId", joc.expect_order_to_notice_id),
    ):
        if not value:
            raise Rejected(Finding(f"$.{field}", "required for a GLOBAL board"))
    return GlobalBoard(
        path=name,
        post_order_to_notice_key=joc.post_order_to_notice_id or "",
        expect_order_to_notice_key=joc.expect_order_to_notice_id or "",
        end_of_life=joc.end_of_life,
    )


def _file_watch(joc: ji.JocFileOrderSource, name: str) -> FileWatch:
    if joc.directory_expr:
        directory_expr = joc.directory_expr
    elif joc.directory:
        directory_expr = quote_string(joc.directory)
    else:
        raise Rejected(Finding("$.directoryExpr", "a file order source needs directoryExpr or directory"))
    return FileWatch(
        path=name,
        workflow_path=joc.workflow_name,
        agent_path=joc.agent_name,
        directory_expr=directory_expr,
        pattern=joc.pattern,
        delay=joc.delay or 0,
    )
