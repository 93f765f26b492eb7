"""What changed at each Controller, as JOC's UI learns it: "event snapshots" (`WorkflowStateChanged`,
`JobStateChanged`, `ItemAdded`, `AgentStateChanged`, `HistoryOrderTerminated`, …), kept in a bounded list per
Controller and fed by the History service after it stored a batch of the Controller's events (so the Cockpit
reads the Controller's events once).

A snapshot carries the engine name of its object; `paths_of` turns names into the folder paths they were
deployed at. An order's snapshot names its workflow (orders are known from their `OrderAdded` on) and carries
the order id as `message` (History snapshots name neither, as in JOC); events of an order added before the Cockpit started give no snapshot.

EventIds are the Controller's. A feed begins at the Cockpit's start (`floor`): an EventId before it, before
what the bounded list still holds, or after the last one seen is unknown — the caller answers with the current
EventId and the UI reloads."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import ConfigurationType
from stellwerk.cockpit.db.repositories.deployments import DeploymentRepository
from stellwerk.cockpit.db.repositories.inventory import InventoryRepository

KEPT_SNAPSHOTS = 10_000
KNOWN_ORDERS = 100_000

WORKFLOW = "WORKFLOW"
JOB = "JOB"
AGENT = "AGENT"
ORDERHISTORY = "ORDERHISTORY"
TASKHISTORY = "TASKHISTORY"
NOTICEBOARD = "NOTICEBOARD"

# Item TYPE → JOC's objectType of event snapshots.
OBJECT_TYPES = {
    "Workflow": WORKFLOW,
    "JobResource": "JOBRESOURCE",
    "Lock": "LOCK",
    "GlobalBoard": NOTICEBOARD,
    "PlannableBoard": NOTICEBOARD,
    "FileWatch": "FILEORDERSOURCE",
    "Calendar": "CALENDAR",
    "AgentRef": AGENT,
    "SubagentItem": AGENT,
    "SubagentBundle": AGENT,
}
# objectType → the inventory types a deployed object of it may have.
DEPLOYED_AS = {
    WORKFLOW: (ConfigurationType.WORKFLOW,),
    JOB: (ConfigurationType.WORKFLOW,),
    "JOBRESOURCE": (ConfigurationType.JOBRESOURCE,),
    "LOCK": (ConfigurationType.LOCK,),
    NOTICEBOARD: (ConfigurationType.NOTICEBOARD,),
    "FILEORDERSOURCE": (ConfigurationType.FILEORDERSOURCE,),
    "CALENDAR": (ConfigurationType.WORKINGDAYSCALENDAR, ConfigurationType.NONWORKINGDAYSCALENDAR),
}
ITEM_EVENTS = {"ItemAdded", "ItemChanged", "ItemDeleted"}
AGENT_EVENTS = {"AgentCoupled", "AgentCouplingFailed", "AgentDedicated", "AgentReady", "AgentShutDown"}
JOB_EVENTS = {"OrderProcessingStarted", "OrderProcessed", "OrderProcessingKilled"}
ORDER_TERMINATED = {"OrderFinished", "OrderCancelled", "OrderBroken", "OrderFailed"}
# Output chunks change no state the UI shows (logs are read by their own endpoints).
QUIET_ORDER_EVENTS = {"OrderStdoutWritten", "OrderStderrWritten"}


class WorkflowId(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    version_id: str | None = msgspec.field(default=None, name="versionId")


class Snapshot(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One change; `name` is the engine name of the object, None for changes of no folder object."""

    event_id: int
    event_type: str
    object_type: str
    name: str | None = None
    workflow: WorkflowId | None = None
    message: str | None = None

    @property
    def folder_bound(self) -> bool:
        """Whether the object lives in a folder (so folder permissions decide who sees it)."""
        return self.name is not None and self.object_type in DEPLOYED_AS


def snapshot_object(snapshot: Snapshot, paths: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    """JOC's eventSnapshot object, names turned into the paths they were deployed at."""
    found: dict[str, Any] = {
        "eventId": snapshot.event_id,
        "eventType": snapshot.event_type,
        "objectType": snapshot.object_type,
    }
    if snapshot.name is not None:
        found["path"] = path_of(snapshot.object_type, snapshot.name, paths)
    if snapshot.workflow is not None:
        found["workflow"] = {"path": path_of(WORKFLOW, snapshot.workflow.path, paths)}
        if snapshot.workflow.version_id:
            found["workflow"]["versionId"] = snapshot.workflow.version_id
    if snapshot.message is not None:
        found["message"] = snapshot.message
    return found


def path_of(object_type: str, name: str, paths: Mapping[tuple[str, str], str]) -> str:
    """The deployed path of an object, or `/name` for an object the Cockpit did not deploy."""
    return paths.get((object_type, name)) or "/" + name.lstrip("/")


async def paths_of(
    db: AsyncSession, controller_id: str, snapshots: Iterable[Snapshot]
) -> dict[tuple[str, str], str]:
    """(objectType, name) → the folder path it is deployed at, for the folder-bound objects named."""
    wanted = {s.object_type for s in snapshots if s.folder_bound} | {
        WORKFLOW for s in snapshots if s.workflow is not None
    }
    if not wanted:
        return {}
    types = sorted({t for object_type in wanted for t in DEPLOYED_AS[object_type]})
    deployed = await DeploymentRepository(db).deployed(controller_id, object_types=types)
    found: dict[tuple[str, str], str] = {}
    if WORKFLOW in wanted:  # a workflow deployed some other way: where the inventory has one of its name
        found |= {(WORKFLOW, name): path for name, path in (await InventoryRepository(db).paths(ConfigurationType.WORKFLOW)).items()}  # fmt: skip
    for item in deployed:
        for object_type, inventory_types in DEPLOYED_AS.items():
            if item.object_type in inventory_types:
                found[(object_type, item.name)] = item.path
    return found


def _item_key(key: str) -> tuple[str, str]:
    """`Workflow:W~v1` → (`Workflow`, `W`)."""
    item_type, _, rest = key.partition(":")
    return item_type, rest.split("~", 1)[0]


class Feed:
    """The recent snapshots of one Controller and the orders it knows the workflows of."""

    def __init__(self, floor: int) -> None:
        self.floor = floor
        self.last = floor
        self._kept: deque[Snapshot] = deque()
        self._workflows: dict[str, WorkflowId] = {}
        self._changed = asyncio.Event()

    def knows(self, event_id: int) -> bool:
        """Whether every snapshot after `event_id` is still kept (else the UI must reload)."""
        return self.floor <= event_id <= self.last

    def after(self, event_id: int) -> list[Snapshot]:
        return [s for s in self._kept if s.event_id > event_id]

    def changed(self) -> asyncio.Event:
        """Set when the next batch arrives (take it before looking at the snapshots)."""
        return self._changed

    def observe(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Takes a batch of the Controller's events (in order), wakes the waiting callers."""
        for raw in events:
            event_id = raw.get("eventId")
            if not isinstance(event_id, int):
                continue
            for snapshot in self._snapshots(raw, event_id):
                self._keep(snapshot)
            self.last = max(self.last, event_id)
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _keep(self, snapshot: Snapshot) -> None:
        self._kept.append(snapshot)
        if len(self._kept) > KEPT_SNAPSHOTS:
            self.floor = max(self.floor, self._kept.popleft().event_id)

    def _snapshots(self, raw: Mapping[str, Any], event_id: int) -> list[Snapshot]:
        event_type = str(raw.get("TYPE", ""))
        key = raw.get("Key")
        if event_type in ITEM_EVENTS:
            return self._item_snapshots(raw, event_type, event_id)
        if event_type in AGENT_EVENTS and isinstance(key, str):
            return [Snapshot(event_id=event_id, event_type="AgentStateChanged", object_type=AGENT, name=key)]
        if event_type in {"NoticePosted", "NoticeDeleted"} and isinstance(key, str):
            return [
                Snapshot(event_id=event_id, event_type="BoardStateChanged", object_type=NOTICEBOARD, name=key)
            ]
        if event_type.startswith("Order") and isinstance(key, str) and event_type not in QUIET_ORDER_EVENTS:
            return self._order_snapshots(raw, key, event_type, event_id)
        return []

    def _item_snapshots(self, raw: Mapping[str, Any], event_type: str, event_id: int) -> list[Snapshot]:
        item = raw.get("item")
        if isinstance(item, Mapping):
            item_type, name, version = str(item.get("TYPE")), str(item.get("path")), item.get("versionId")
        else:
            item_type, name = _item_key(str(raw.get("key", "")))
            version = None
        object_type = OBJECT_TYPES.get(item_type)
        if object_type is None or not name:
            return []
        workflow = WorkflowId(path=name, version_id=version) if object_type == WORKFLOW else None
        return [
            Snapshot(
                event_id=event_id,
                event_type=event_type,
                object_type=object_type,
                name=name,
                workflow=workflow,
            )
        ]

    def _order_snapshots(
        self, raw: Mapping[str, Any], order_id: str, event_type: str, event_id: int
    ) -> list[Snapshot]:
        self._learn(raw, order_id, event_type)
        workflow = self._workflows.get(order_id)
        if event_type == "OrderDeleted":
            self._workflows.pop(order_id, None)
        if workflow is None:
            return []

        def snapshot(name: str, object_type: str, *, of_workflow: bool = True) -> Snapshot:
            return Snapshot(
                event_id=event_id,
                event_type=name,
                object_type=object_type,
                name=workflow.path if of_workflow else None,
                workflow=workflow if of_workflow else None,
                message=order_id if of_workflow else None,
            )

        found = [snapshot("WorkflowStateChanged", WORKFLOW)]
        if event_type in JOB_EVENTS:
            found.append(snapshot("JobStateChanged", JOB))
        if event_type == "OrderStarted":
            found.append(snapshot("HistoryOrderStarted", ORDERHISTORY, of_workflow=False))
        elif event_type in ORDER_TERMINATED:
            found.append(snapshot("HistoryOrderTerminated", ORDERHISTORY, of_workflow=False))
        elif event_type == "OrderProcessingStarted":
            found.append(snapshot("HistoryTaskStarted", TASKHISTORY, of_workflow=False))
        elif event_type == "OrderProcessed":
            found.append(snapshot("HistoryTaskTerminated", TASKHISTORY, of_workflow=False))
        return found

    def _learn(self, raw: Mapping[str, Any], order_id: str, event_type: str) -> None:
        """Remembers the workflow of an added order (and of an order's forked children)."""
        if event_type in {"OrderAdded", "OrderOrderAdded"}:
            workflow = raw.get("workflowId")
            added = str(raw.get("orderId", order_id)) if event_type == "OrderOrderAdded" else order_id
            if isinstance(workflow, Mapping) and isinstance(workflow.get("path"), str):
                version = workflow.get("versionId")
                self._remember(
                    added,
                    WorkflowId(
                        path=workflow["path"], version_id=version if isinstance(version, str) else None
                    ),
                )
        elif event_type == "OrderForked" and order_id in self._workflows:
            for child in raw.get("children") or ():
                if isinstance(child, Mapping) and isinstance(child.get("orderId"), str):
                    self._remember(child["orderId"], self._workflows[order_id])

    def _remember(self, order_id: str, workflow: WorkflowId) -> None:
        self._workflows[order_id] = workflow
        if len(self._workflows) > KNOWN_ORDERS:
            del self._workflows[next(iter(self._workflows))]


class EventSnapshots:
    """The feeds of all Controllers; `observe` is the History service's batch listener."""

    def __init__(self, clock: Callable[[], int]) -> None:
        self._clock = clock
        self._feeds: dict[str, Feed] = {}

    def feed(self, controller_id: str) -> Feed:
        found = self._feeds.get(controller_id)
        if found is None:
            # An EventId is epoch milliseconds × 1000: the feed knows what happens from now on.
            found = self._feeds[controller_id] = Feed(self._clock() * 1000)
        return found

    def observe(self, controller_id: str, events: Sequence[Mapping[str, Any]]) -> None:
        self.feed(controller_id).observe(events)
