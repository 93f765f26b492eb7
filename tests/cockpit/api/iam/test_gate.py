"""The gate over every endpoint: without a token 401 (walking the app's routes as its OpenAPI lists them, so
endpoints added later are covered too); an account without the permission gets 403 from every IAM change and nothing changes."""

from __future__ import annotations

from collections.abc import Callable

from stellwerk.cockpit.app import create_app
from stellwerk.cockpit.security.accounts import ADMINISTRATOR_ROLE, INTERNAL_SERVICE, ROOT
from tests.cockpit.api.conftest import RunningCockpit
from tests.cockpit.api.iam.conftest import audit_requests
from tests.cockpit.api.joc import Joc

OPEN = {"/joc/api/authentication/login"}
SERVICE = {"identityServiceName": INTERNAL_SERVICE}
ROLE = {**SERVICE, "roleName": ADMINISTRATOR_ROLE, "controllerId": ""}
CHANGES = {
    "/joc/api/iam/identityservice/store": {
        **SERVICE,
        "serviceAuthenticationScheme": "SINGLE-FACTOR",
        "disabled": True,
    },
    "/joc/api/iam/identityservice/rename": {
        "identityServiceOldName": INTERNAL_SERVICE,
        "identityServiceNewName": "X",
    },
    "/joc/api/iam/identityservice/delete": SERVICE,
    "/joc/api/iam/account/store": {**SERVICE, "accountName": "new", "password": "new-password"},
    "/joc/api/iam/account/rename": {**SERVICE, "accountOldName": ROOT, "accountNewName": "toor"},
    "/joc/api/iam/account/changepassword": {**SERVICE, "accountName": ROOT, "password": "taken-over"},
    "/joc/api/iam/accounts/delete": {**SERVICE, "accountNames": [ROOT]},
    "/joc/api/iam/accounts/disable": {**SERVICE, "accountNames": [ROOT]},
    "/joc/api/iam/accounts/enable": {**SERVICE, "accountNames": [ROOT]},
    "/joc/api/iam/accounts/resetpassword": {**SERVICE, "accountNames": [ROOT]},
    "/joc/api/iam/accounts/forcepasswordchange": {**SERVICE, "accountNames": [ROOT]},
    "/joc/api/iam/blockedAccount/store": {"accountName": ROOT},
    "/joc/api/iam/blockedAccounts/delete": {"accountNames": [ROOT]},
    "/joc/api/iam/role/store": {**SERVICE, "roleName": "new"},
    "/joc/api/iam/role/rename": {**SERVICE, "roleOldName": ADMINISTRATOR_ROLE, "roleNewName": "x"},
    "/joc/api/iam/roles/delete": {**SERVICE, "roleNames": [ADMINISTRATOR_ROLE]},
    "/joc/api/iam/permissions/store": {**ROLE, "permissions": []},
    "/joc/api/iam/permissions/delete": {**ROLE, "permissionPaths": ["sos:products"]},
    "/joc/api/iam/permission/rename": {
        **ROLE,
        "oldPermissionPath": "sos:products",
        "newPermission": {"permissionPath": "sos:products:joc"},
    },
    "/joc/api/iam/folders/store": {**ROLE, "folders": [{"folder": "/a"}]},
    "/joc/api/iam/folders/delete": {**ROLE, "folderNames": ["/a"]},
    "/joc/api/iam/folder/rename": {**ROLE, "oldFolderName": "/a", "newFolder": {"folder": "/b"}},
}
READS = {
    "/joc/api/iam/identityservices": {},
    "/joc/api/iam/accounts": SERVICE,
    "/joc/api/iam/account/permissions": {**SERVICE, "accountName": ROOT},
    "/joc/api/iam/roles": SERVICE,
    "/joc/api/iam/permissions": {**SERVICE, "roleName": ADMINISTRATOR_ROLE},
    "/joc/api/iam/folders": {**SERVICE, "roleName": ADMINISTRATOR_ROLE},
    "/joc/api/iam/blockedAccounts": {},
    "/joc/api/audit_log": {},
}


def served_paths(cockpit: RunningCockpit) -> list[str]:
    """Every JOC path the app serves, from its OpenAPI description (FastAPI's public view of its routes)."""
    paths = create_app(cockpit.cockpit).openapi()["paths"]
    return sorted(
        path for path, methods in paths.items() if path.startswith("/joc/api/") and "post" in methods
    )


def test_every_endpoint_but_login_needs_a_token(cockpit: RunningCockpit) -> None:
    anonymous = Joc(cockpit.url)
    paths = [p for p in served_paths(cockpit) if p not in OPEN]
    assert set(CHANGES) <= set(paths)
    refused = {path: anonymous.post(path, {}).status for path in paths}
    assert refused == dict.fromkeys(paths, 401)
    assert {anonymous.post(path, {}, token="forged").status for path in paths} == {401}


def _state(joc: Joc) -> list[object]:
    """What the IAM reads answer, without their delivery dates."""
    answers = [joc.ok(path, body) for path, body in READS.items() if path != "/joc/api/audit_log"]
    return [{k: v for k, v in answer.items() if k != "deliveryDate"} for answer in answers]


def test_an_account_without_the_permission_gets_403_and_changes_nothing(
    cockpit: RunningCockpit, joc: Joc, account: Callable[..., Joc]
) -> None:
    viewer = account("viewer", permissions=("sos:products:joc:administration:accounts:view",))
    nobody = account("nobody", permissions=("sos:products:controller:orders:view",))
    before, audited = _state(joc), audit_requests(cockpit)
    for path, body in CHANGES.items():
        answer = viewer.post(path, body)
        assert answer.status == 403, f"{path}: {answer.status} {answer.body}"
        assert answer.body["isPermitted"] is False
    for path, body in READS.items():
        assert nobody.post(path, body).status == 403, path
    assert _state(joc) == before
    assert audit_requests(cockpit) == audited
    for path, body in READS.items():
        if path != "/joc/api/audit_log":
            assert viewer.post(path, body).status == 200, path
