"""JOC's request bodies of the order, workflow, history and log endpoints (modelled on the JOC request schemas:
order/addOrders, order/modifyOrders, order/ordersFilterV, order/ordersFilter, job/jobsFilter, ...)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from stellwerk.cockpit.api.models import Audited, JocModel
from stellwerk.cockpit.db.enums import HistoryState, OrderStateText
from stellwerk.cockpit.db.repositories.folders import FolderFilter
from stellwerk.cockpit.services.orders import JocPosition, WorkflowRef

ControllerId = Annotated[str, Field(min_length=1, max_length=100, pattern=r'^[^/\\<>?!&:;()"|*^]*$')]
Path = Annotated[str, Field(min_length=1, max_length=255)]
# "0", a period relative to now ("-6h", "1d") or an ISO 8601 timestamp.
DateParam = Annotated[str, Field(max_length=64)]
# JSON strings are the enums' values (strict models would want the enum instances).
StateText = Annotated[OrderStateText, Field(strict=False)]
HistoryStateText = Annotated[HistoryState, Field(strict=False)]


class Folder(JocModel):
    folder: Path
    recursive: bool = True

    def filter(self) -> FolderFilter:
        return FolderFilter(folder=self.folder, recursive=self.recursive)


class WorkflowId(JocModel):
    path: Path
    version_id: str | None = Field(default=None, max_length=255)

    def ref(self) -> WorkflowRef:
        return WorkflowRef(path=self.path, version_id=self.version_id)


class PlanId(JocModel):
    plan_schema_id: str = Field(min_length=1, max_length=255)
    notice_space_key: str | None = Field(default=None, max_length=255)


class AddOrder(JocModel):
    """One order of `/orders/add`."""

    order_name: str | None = Field(default=None, max_length=30, pattern=r"^[^#|/\\]*$")
    workflow_path: Path
    scheduled_for: str | None = None
    time_zone: str | None = None
    arguments: dict[str, Any] = {}
    start_position: JocPosition | None = None
    end_positions: list[JocPosition] = []
    block_position: JocPosition | None = None
    force_job_admission: bool = False
    plan_id: PlanId | None = None
    open_closed_plan: bool = False
    tags: list[str] = []
    priority: int = 0


class AddOrders(Audited):
    controller_id: ControllerId
    orders: list[AddOrder] = Field(min_length=1)


class ModifyOrders(Audited):
    """The body of cancel, suspend, resume, confirm, continue and remove_when_terminated: the orders by id, or
    by workflow, folder and state group; and what each operation takes of the rest."""

    controller_id: ControllerId
    order_ids: list[Annotated[str, Field(max_length=255)]] | None = None
    workflow_ids: list[WorkflowId] | None = None
    states: list[StateText] | None = None
    folders: list[Folder] | None = None
    date_from: DateParam | None = None
    date_to: DateParam | None = None
    time_zone: str | None = None
    order_type: str | None = None
    kill: bool = False
    deep: bool = False
    reset: bool = False
    force: bool = False
    from_current_block: bool = False
    position: JocPosition | None = None
    priority: int | None = None
    variables: dict[str, Any] | None = None
    cycle_end_time: int | None = Field(default=None, ge=0)


class OrdersFilterV(JocModel):
    """`/orders`: the Controller's orders now."""

    controller_id: ControllerId
    workflow_ids: list[WorkflowId] | None = None
    folders: list[Folder] | None = None
    date_to: DateParam | None = None
    time_zone: str | None = None
    order_ids: list[Annotated[str, Field(max_length=255)]] | None = None
    compact: bool = False
    regex: str | None = None
    states: list[StateText] | None = None
    order_tags: list[str] | None = None
    workflow_tags: list[str] | None = None
    state_date_from: DateParam | None = None
    state_date_to: DateParam | None = None
    limit: int = 10000
    without_workflow_tags: bool = False


class OrderFilter(JocModel):
    """`/order`: one order."""

    controller_id: ControllerId
    order_id: Path
    compact: bool = False
    without_workflow_tags: bool = False


class OrdersSnapshotFilter(JocModel):
    """`/orders/overview/snapshot`."""

    controller_id: ControllerId
    workflow_ids: list[WorkflowId] | None = None
    folders: list[Folder] | None = None
    date_to: DateParam | None = None
    time_zone: str | None = None


class OrderPath(JocModel):
    workflow_path: Path
    order_id: str | None = None


class OrdersFilter(JocModel):
    """`/orders/history` and `/orders/overview/summary`."""

    controller_id: ControllerId | None = None
    orders: list[OrderPath] | None = None
    exclude_workflows: list[Path] | None = None
    compact: bool = False
    order_id: str | None = None
    workflow_path: str | None = None
    workflow_name: str | None = None
    date_from: DateParam | None = None
    date_to: DateParam | None = None
    completed_date_from: DateParam | None = None
    completed_date_to: DateParam | None = None
    time_zone: str | None = None
    folders: list[Folder] | None = None
    limit: int = 10000
    history_states: list[HistoryStateText] | None = None
    history_ids: list[Annotated[int, Field(ge=0)]] | None = None
    workflow_tags: list[str] | None = None
    order_tags: list[str] | None = None
    without_workflow_tags: bool = False


class JobPath(JocModel):
    workflow_path: Path
    job: str


class TaskIdOfOrder(JocModel):
    history_id: int = Field(ge=0)
    position: str | None = None


class JobsFilter(JocModel):
    """`/tasks/history`."""

    controller_id: ControllerId | None = None
    jobs: list[JobPath] | None = None
    exclude_jobs: list[JobPath] | None = None
    job_name: str | None = Field(default=None, max_length=255)
    workflow_path: str | None = None
    workflow_name: str | None = None
    date_from: DateParam | None = None
    date_to: DateParam | None = None
    completed_date_from: DateParam | None = None
    completed_date_to: DateParam | None = None
    time_zone: str | None = None
    folders: list[Folder] | None = None
    limit: int = 10000
    history_states: list[HistoryStateText] | None = None
    criticalities: list[str] | None = None
    task_ids: list[Annotated[int, Field(ge=0)]] | None = None
    history_ids: list[TaskIdOfOrder] | None = None
    workflow_tags: list[str] | None = None
    order_tags: list[str] | None = None
    order_id: str | None = Field(default=None, max_length=255)
    without_workflow_tags: bool = False


class OrderHistoryFilter(JocModel):
    """`/order/log`: an order run by its history id (or the newest run of an order id)."""

    controller_id: ControllerId
    history_id: int | None = Field(default=None, ge=0)
    order_id: str | None = Field(default=None, max_length=255)


class OrderRunningLogFilter(JocModel):
    """`/order/log/running`: the order log after what the caller has (`eventId` as the last chunk read)."""

    controller_id: ControllerId
    history_id: int = Field(ge=0)
    event_id: int = Field(ge=0)


class TaskFilter(JocModel):
    """`/task/log`, `/task/log/download`."""

    controller_id: ControllerId
    task_id: int = Field(ge=0)


class RunningTaskLogFilter(JocModel):
    """`/task/log/running`: the job's output after what the caller has (`eventId` as the last chunk read)."""

    controller_id: ControllerId
    task_id: int = Field(ge=0)
    event_id: int = Field(ge=0)


class WorkflowsFilter(JocModel):
    """`/workflows`."""

    controller_id: ControllerId
    workflow_ids: list[WorkflowId] | None = None
    compact: bool = False
    folders: list[Folder] | None = None
    workflow_tags: list[str] | None = None
    order_tags: list[str] | None = None
    states: list[str] | None = None
    instruction_states: list[str] | None = None
    regex: str | None = None
    agent_names: list[str] | None = None


class WorkflowFilter(JocModel):
    """`/workflow`."""

    controller_id: ControllerId
    workflow_id: WorkflowId
    compact: bool = False


class ModifyWorkflows(Audited):
    """`/workflows/suspend|resume`."""

    controller_id: ControllerId
    workflow_paths: list[Path] | None = None
    workflow_id: WorkflowId | None = None
    all: bool = False
    folders: list[Folder] | None = None
    workflow_tags: list[str] | None = None


class ModifyWorkflowLabels(Audited):
    """`/workflow/skip|unskip`: jobs by label."""

    controller_id: ControllerId
    workflow_path: Path
    labels: list[str] = Field(min_length=1)


class ModifyWorkflowPositions(ModifyWorkflows):
    """`/workflow/stop|unstop`: jobs by position."""

    positions: list[JocPosition] = Field(min_length=1)


class WorkflowOrderCountFilter(JocModel):
    """`/workflows/order_count`."""

    controller_id: ControllerId
    workflow_ids: list[WorkflowId] = Field(min_length=1)
    date_to: DateParam | None = None
    time_zone: str | None = None
    order_tags: list[str] | None = None
