"""JOC's permission tree (the names of security/securityConfiguration/permissions-schema.json) and the
permissions object JOC answers for an account: every leaf as a boolean, for JOC itself, for the Controller
defaults and for each Controller with grants of its own. The leaves' full names are `sos:products:joc:…` and
`sos:products:controller:…`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

JOC_PREFIX = "sos:products:joc"
CONTROLLER_PREFIX = "sos:products:controller"

# A node is either a leaf (None) or the nodes below it, by JOC's names.
Tree = Mapping[str, "Tree | None"]

_VIEW_MANAGE: Tree = {"view": None, "manage": None}

JOC_TREE: Tree = {
    "getLog": None,
    "administration": {
        "accounts": _VIEW_MANAGE,
        "settings": _VIEW_MANAGE,
        "controllers": _VIEW_MANAGE,
        "certificates": _VIEW_MANAGE,
        "customization": {"view": None, "manage": None, "share": None},
    },
    "cluster": {"manage": None},
    "inventory": {"view": None, "manage": None, "deploy": None},
    "calendars": {"view": None},
    "documentations": _VIEW_MANAGE,
    "auditLog": {"view": None},
    "dailyPlan": _VIEW_MANAGE,
    "fileTransfer": _VIEW_MANAGE,
    "notification": _VIEW_MANAGE,
    "encipherment": {"encrypt": None},
    "reports": _VIEW_MANAGE,
    "others": _VIEW_MANAGE,
}

CONTROLLER_TREE: Tree = {
    "view": None,
    "restart": None,
    "terminate": None,
    "getLog": None,
    "switchOver": None,
    "deployments": {"view": None, "deploy": None},
    "orders": {
        "view": None,
        "create": None,
        "cancel": None,
        "suspendResume": None,
        "resumeFailed": None,
        "modify": None,
        "managePositions": None,
        "confirm": None,
    },
    "agents": {"view": None},
    "noticeBoards": {"view": None, "post": None, "delete": None},
    "locks": {"view": None},
    "workflows": {"view": None},
}


def leaves(tree: Tree, prefix: str) -> list[str]:
    """The full names of every leaf below `prefix`."""
    found: list[str] = []
    for name, below in tree.items():
        full = f"{prefix}:{name}"
        found.extend([full] if below is None else leaves(below, full))
    return found


ALL_PERMISSIONS: frozenset[str] = frozenset(
    leaves(JOC_TREE, JOC_PREFIX) + leaves(CONTROLLER_TREE, CONTROLLER_PREFIX)
)


def is_known(permission: str) -> bool:
    """Whether `permission` names a node of JOC's tree (a leaf, an inner node or `sos:products` itself)."""
    return any(name == permission or name.startswith(permission + ":") for name in ALL_PERMISSIONS)


def evaluated(tree: Tree, prefix: str, allows: Callable[[str], bool]) -> dict[str, Any]:
    """The tree with each leaf replaced by whether `allows` grants its full name."""
    return {
        name: allows(f"{prefix}:{name}") if below is None else evaluated(below, f"{prefix}:{name}", allows)
        for name, below in tree.items()
    }


def permissions_object(
    roles: Iterable[str], allows: Callable[[str, str | None], bool], controller_ids: Iterable[str]
) -> dict[str, Any]:
    """JOC's permissions object; `allows(name, controller_id)` answers for one Controller (None: defaults)."""

    def for_controller(controller_id: str | None) -> dict[str, Any]:
        return evaluated(CONTROLLER_TREE, CONTROLLER_PREFIX, lambda name: allows(name, controller_id))

    return {
        "roles": sorted(set(roles)),
        "joc": evaluated(JOC_TREE, JOC_PREFIX, lambda name: allows(name, None)),
        "controllerDefaults": for_controller(None),
        "controllers": {
            controller_id: for_controller(controller_id) for controller_id in sorted(set(controller_ids))
        },
    }
