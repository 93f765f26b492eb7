"""All tables of the Cockpit, on one declarative `Base` (importing this package registers every table)."""

from __future__ import annotations

from stellwerk.cockpit.db.base import Base
from stellwerk.cockpit.db.tables.agents import (
    Agent,
    Controller,
    Subagent,
    SubagentCluster,
    SubagentClusterMember,
)
from stellwerk.cockpit.db.tables.changes import InvChange, InvChangeItem
from stellwerk.cockpit.db.tables.cluster import JocLease
from stellwerk.cockpit.db.tables.dailyplan import DailyPlanOrder, DailyPlanProjection, DailyPlanSubmission
from stellwerk.cockpit.db.tables.history import HistoryLogChunk, HistoryOrder, HistoryTask
from stellwerk.cockpit.db.tables.iam import (
    IamAccount,
    IamAccountRole,
    IamFolder,
    IamIdentityService,
    IamPermission,
    IamRole,
    IamSession,
)
from stellwerk.cockpit.db.tables.inventory import DepHistory, InvConfiguration, InvReleased, InvTrash
from stellwerk.cockpit.db.tables.monitor import MonitorNotification
from stellwerk.cockpit.db.tables.operations import (
    AuditLog,
    AuditLogObject,
    CockpitMember,
    Setting,
    StoredEventId,
)

__all__ = [
    "Agent",
    "AuditLog",
    "AuditLogObject",
    "Base",
    "CockpitMember",
    "Controller",
    "DailyPlanOrder",
    "DailyPlanProjection",
    "DailyPlanSubmission",
    "DepHistory",
    "HistoryLogChunk",
    "HistoryOrder",
    "HistoryTask",
    "IamAccount",
    "IamAccountRole",
    "IamFolder",
    "IamIdentityService",
    "IamPermission",
    "IamRole",
    "IamSession",
    "JocLease",
    "InvChange",
    "InvChangeItem",
    "InvConfiguration",
    "InvReleased",
    "InvTrash",
    "MonitorNotification",
    "Setting",
    "StoredEventId",
    "Subagent",
    "SubagentCluster",
    "SubagentClusterMember",
]
