"""JOC's enumerations as the Cockpit's database stores them (by name, as VARCHAR on every backend)."""

from __future__ import annotations

from enum import StrEnum


class ConfigurationType(StrEnum):
    """JOC's `ConfigurationType`: the kinds of inventory objects, folders included."""

    FOLDER = "FOLDER"
    WORKFLOW = "WORKFLOW"
    JOBRESOURCE = "JOBRESOURCE"
    LOCK = "LOCK"
    NOTICEBOARD = "NOTICEBOARD"
    FILEORDERSOURCE = "FILEORDERSOURCE"
    WORKINGDAYSCALENDAR = "WORKINGDAYSCALENDAR"
    NONWORKINGDAYSCALENDAR = "NONWORKINGDAYSCALENDAR"
    SCHEDULE = "SCHEDULE"
    JOBTEMPLATE = "JOBTEMPLATE"
    INCLUDESCRIPT = "INCLUDESCRIPT"
    REPORT = "REPORT"


class HistoryState(StrEnum):
    """JOC's `HistoryStateText`: the severity of an order or task in the history (green, yellow, red)."""

    SUCCESSFUL = "SUCCESSFUL"
    INCOMPLETE = "INCOMPLETE"
    FAILED = "FAILED"


class OrderStateText(StrEnum):
    """JOC's `OrderStateText`, the state an order had when its history row was last written."""

    PLANNED = "PLANNED"
    PENDING = "PENDING"
    SCHEDULED = "SCHEDULED"
    RUNNING = "RUNNING"
    INPROGRESS = "INPROGRESS"
    PROMPTING = "PROMPTING"
    SUSPENDED = "SUSPENDED"
    FAILED = "FAILED"
    WAITING = "WAITING"
    BLOCKED = "BLOCKED"
    CANCELLED = "CANCELLED"
    FINISHED = "FINISHED"
    BROKEN = "BROKEN"
    UNKNOWN = "UNKNOWN"


class DeploymentState(StrEnum):
    """JOC's `DeploymentState`."""

    DEPLOYED = "DEPLOYED"
    NOT_DEPLOYED = "NOT_DEPLOYED"


class DeploymentOperation(StrEnum):
    """JOC's `OperationType` of a deployment: an item updated (added or changed) or deleted on the Controller."""

    UPDATE = "UPDATE"
    DELETE = "DELETE"


class ControllerRole(StrEnum):
    """The role of a Controller node as registered: alone, or one of a cluster's two nodes."""

    STANDALONE = "STANDALONE"
    PRIMARY = "PRIMARY"
    BACKUP = "BACKUP"


class DirectorRole(StrEnum):
    """JOC's `SubagentDirectorType`: whether a Subagent is one of its Agent's Directors."""

    NO_DIRECTOR = "NO_DIRECTOR"
    PRIMARY_DIRECTOR = "PRIMARY_DIRECTOR"
    SECONDARY_DIRECTOR = "SECONDARY_DIRECTOR"


class AuditCategory(StrEnum):
    """JOC's audit-log `CategoryType`."""

    INVENTORY = "INVENTORY"
    CONTROLLER = "CONTROLLER"
    DAILYPLAN = "DAILYPLAN"
    OTHERS = "OTHERS"
    DEPLOYMENT = "DEPLOYMENT"
    DOCUMENTATIONS = "DOCUMENTATIONS"
    CERTIFICATES = "CERTIFICATES"
    IDENTITY = "IDENTITY"
    SETTINGS = "SETTINGS"
    MONITORING = "MONITORING"
    UNKNOWN = "UNKNOWN"


class IdentityServiceType(StrEnum):
    """JOC's identity service types; `JOC` is the internal one (argon2 hashes in `iam_accounts`)."""

    JOC = "JOC"
    LDAP = "LDAP"
    LDAP_JOC = "LDAP-JOC"
    OIDC = "OIDC"
    OIDC_JOC = "OIDC-JOC"
    KEYCLOAK = "KEYCLOAK"
    KEYCLOAK_JOC = "KEYCLOAK-JOC"
    FIDO = "FIDO"
    CERTIFICATE = "CERTIFICATE"
    UNKNOWN = "UNKNOWN"


class DailyPlanOrderState(StrEnum):
    """States of a daily-plan order in the database (js7-reference §9.1)."""

    PLANNED = "PLANNED"
    SUBMITTED = "SUBMITTED"
    FINISHED = "FINISHED"


class ChangeState(StrEnum):
    """JOC's `ChangeState`: a change is open for objects, closed, or published (deployed)."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"
    PUBLISHED = "PUBLISHED"
