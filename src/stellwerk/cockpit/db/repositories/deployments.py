"""The deployment history: what was deployed to (or deleted from) which Controller, by which commit, and what
each Controller has now."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.base import affected_rows
from stellwerk.cockpit.db.enums import ConfigurationType, DeploymentOperation, DeploymentState
from stellwerk.cockpit.db.repositories.folders import folder_of, in_folder, name_of
from stellwerk.cockpit.db.tables import DepHistory

# The error message of a deployment that did not reach its Controller (unreachable, not refused): the restart
# service delivers it when the Controller is back.
PENDING_DELIVERY = (
    "Not delivered: the Controller was unreachable; the restart service deploys it when it is back"
)


class NewDeployment(msgspec.Struct, frozen=True, kw_only=True):
    """One item of a deployment: the engine JSON as signed and sent (for a DELETE, the last deployed JSON)."""

    controller_id: str
    object_type: ConfigurationType
    path: str
    content: str
    commit_id: str
    account: str
    operation: DeploymentOperation = DeploymentOperation.UPDATE
    state: DeploymentState = DeploymentState.DEPLOYED
    configuration_id: int | None = None
    version_id: str | None = None
    signature: str | None = None
    error_message: str | None = None


class Deployment(msgspec.Struct, frozen=True, kw_only=True):
    """A row of the deployment history."""

    id: int
    controller_id: str
    object_type: ConfigurationType
    path: str
    name: str
    folder: str
    content: str
    commit_id: str
    account: str
    operation: DeploymentOperation
    state: DeploymentState
    configuration_id: int | None
    version_id: str | None
    signature: str | None
    error_message: str | None
    deployed: int


def _deployment(row: DepHistory) -> Deployment:
    return Deployment(
        id=row.id,
        controller_id=row.controller_id,
        object_type=row.object_type,
        path=row.path,
        name=row.name,
        folder=row.folder,
        content=row.content,
        commit_id=row.commit_id,
        account=row.account,
        operation=row.operation,
        state=row.state,
        configuration_id=row.configuration_id,
        version_id=row.version_id,
        signature=row.signature,
        error_message=row.error_message,
        deployed=row.deployed,
    )


class DeploymentRepository:
    """Recording deployments and reading what is deployed."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, items: Sequence[NewDeployment], now: int) -> list[Deployment]:
        """Adds the items of one or more commits to the history."""
        rows = [_row(item, now) for item in items]
        self._session.add_all(rows)
        await self._session.flush()
        return [_deployment(row) for row in rows]

    async def set_state(
        self, controller_id: str, commit_id: str, state: DeploymentState, error_message: str | None = None
    ) -> int:
        """Sets the state of a commit's items on one Controller (when the Controller accepted or refused them);
        the number of items."""
        result = await self._session.execute(
            update(DepHistory)
            .where(DepHistory.controller_id == controller_id, DepHistory.commit_id == commit_id)
            .values(state=state, error_message=error_message)
        )
        return affected_rows(result)

    async def latest(
        self, controller_id: str, object_type: ConfigurationType, name: str
    ) -> Deployment | None:
        """What the Controller has of that item: its last successful deployment, None when that was a DELETE
        or there was none."""
        row = await self._session.scalar(
            select(DepHistory)
            .where(
                DepHistory.controller_id == controller_id,
                DepHistory.object_type == object_type,
                DepHistory.name == name,
                DepHistory.state == DeploymentState.DEPLOYED,
            )
            .order_by(DepHistory.id.desc())
            .limit(1)
        )
        if row is None or row.operation == DeploymentOperation.DELETE:
            return None
        return _deployment(row)

    async def deployed(
        self,
        controller_id: str,
        folder: str = "/",
        *,
        recursive: bool = True,
        object_types: Sequence[ConfigurationType] = (),
    ) -> list[Deployment]:
        """Everything the Controller has now (by the history) in `folder`, ordered by path."""
        newest = (
            select(func.max(DepHistory.id))
            .where(DepHistory.controller_id == controller_id, DepHistory.state == DeploymentState.DEPLOYED)
            .group_by(DepHistory.object_type, DepHistory.name)
        )
        query = select(DepHistory).where(
            DepHistory.id.in_(newest),
            DepHistory.operation == DeploymentOperation.UPDATE,
            in_folder(DepHistory.folder, folder, recursive),
        )
        if object_types:
            query = query.where(DepHistory.object_type.in_(object_types))
        return [_deployment(row) for row in await self._session.scalars(query.order_by(DepHistory.path))]

    async def pending(self, controller_id: str) -> list[Deployment]:
        """The items whose newest deployment to the Controller did not reach it (PENDING_DELIVERY)."""
        newest = (
            select(func.max(DepHistory.id))
            .where(DepHistory.controller_id == controller_id)
            .group_by(DepHistory.object_type, DepHistory.name)
        )
        query = select(DepHistory).where(
            DepHistory.id.in_(newest),
            DepHistory.state == DeploymentState.NOT_DEPLOYED,
            DepHistory.error_message.startswith(PENDING_DELIVERY, autoescape=True),
        )
        return [_deployment(row) for row in await self._session.scalars(query.order_by(DepHistory.path))]

    async def history(
        self,
        *,
        controller_id: str | None = None,
        commit_id: str | None = None,
        folder: str = "/",
        date_from: int | None = None,
        date_to: int | None = None,
        limit: int = 1000,
    ) -> list[Deployment]:
        """The history, newest first, filtered."""
        query = select(DepHistory).where(in_folder(DepHistory.folder, folder))
        if controller_id is not None:
            query = query.where(DepHistory.controller_id == controller_id)
        if commit_id is not None:
            query = query.where(DepHistory.commit_id == commit_id)
        if date_from is not None:
            query = query.where(DepHistory.deployed >= date_from)
        if date_to is not None:
            query = query.where(DepHistory.deployed < date_to)
        rows = await self._session.scalars(query.order_by(DepHistory.id.desc()).limit(limit))
        return [_deployment(row) for row in rows]


def _row(item: NewDeployment, now: int) -> DepHistory:
    return DepHistory(
        controller_id=item.controller_id,
        configuration_id=item.configuration_id,
        object_type=item.object_type,
        path=item.path,
        name=name_of(item.path),
        folder=folder_of(item.path),
        content=item.content,
        signature=item.signature,
        commit_id=item.commit_id,
        version_id=item.version_id,
        operation=item.operation,
        state=item.state,
        error_message=item.error_message,
        account=item.account,
        deployed=now,
    )
