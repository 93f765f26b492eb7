"""The object kinds the Inventory editor edits: their names, the object a new one starts as (valid as it is,
given the inventory's workflows), and what follows storing one: deploying it to a Controller or releasing it."""

from __future__ import annotations

from typing import Any

from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.services.inventory import DEPLOYABLE, RELEASABLE, Known

EDITABLE = (
    T.WORKFLOW, T.JOBRESOURCE, T.LOCK, T.NOTICEBOARD, T.FILEORDERSOURCE, T.SCHEDULE,
    T.WORKINGDAYSCALENDAR, T.NONWORKINGDAYSCALENDAR, T.JOBTEMPLATE, T.INCLUDESCRIPT,
)  # fmt: skip
TITLES = {
    T.WORKFLOW: "Workflow", T.JOBRESOURCE: "Job resource", T.LOCK: "Lock", T.NOTICEBOARD: "Notice board",
    T.FILEORDERSOURCE: "File order source", T.SCHEDULE: "Schedule", T.WORKINGDAYSCALENDAR: "Working days calendar",
    T.NONWORKINGDAYSCALENDAR: "Non-working days calendar", T.JOBTEMPLATE: "Job template",
    T.INCLUDESCRIPT: "Include script",
}  # fmt: skip
_DAY_OF_ORDER = "replaceAll($js7OrderId, '^#([0-9]{4}-[0-9]{2}-[0-9]{2})#.*$', '$1')"


def new_object(kind: T, known: Known) -> dict[str, Any]:
    """What a new object of the kind starts as; it refers to the first of the inventory's workflows, if any."""
    workflow = min(known.workflows, default="")
    shell = {"TYPE": "ShellScriptExecutable", "script": "echo hello"}
    templates: dict[T, dict[str, Any]] = {
        T.WORKFLOW: {"instructions": [], "jobs": {}},
        T.JOBRESOURCE: {"arguments": {}, "env": {}},
        T.LOCK: {"limit": 1},
        T.NOTICEBOARD: {
            "postOrderToNoticeId": _DAY_OF_ORDER,
            "expectOrderToNoticeId": _DAY_OF_ORDER,
            "endOfLife": "$js7EpochMilli + 24 * 60 * 60 * 1000",
        },
        T.FILEORDERSOURCE: {
            "workflowName": workflow,
            "agentName": "agent",
            "directoryExpr": "'/var/incoming'",
            "pattern": ".*",
            "delay": 2,
        },  # fmt: skip
        T.SCHEDULE: {
            "workflowNames": [workflow] if workflow else [],
            "planOrderAutomatically": False,
            "submitOrderToControllerWhenPlanned": False,
            "calendars": [],
        },
        T.WORKINGDAYSCALENDAR: {
            "type": T.WORKINGDAYSCALENDAR.value,
            "includes": {"weekdays": [{"days": [1, 2, 3, 4, 5]}]},
        },  # fmt: skip
        T.NONWORKINGDAYSCALENDAR: {"type": T.NONWORKINGDAYSCALENDAR.value, "includes": {"dates": []}},
        T.JOBTEMPLATE: {"executable": shell, "parallelism": 1},
        T.INCLUDESCRIPT: {"script": ""},
    }
    return templates[kind]


def follow_up(kind: T) -> str:
    """What storing an object of the kind may be followed by: "deploy", "release" or ""."""
    return "deploy" if kind in DEPLOYABLE else "release" if kind in RELEASABLE else ""
