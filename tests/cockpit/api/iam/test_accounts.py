"""Accounts, roles, permissions and folders through `/iam/...`, with the answers checked against JOC's schemas,
the audit log written and sessions ended where JOC ends them."""

from __future__ import annotations

from collections.abc import Callable

from stellwerk.cockpit.security.accounts import ADMINISTRATOR_ROLE, INTERNAL_SERVICE, ROOT
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit
from tests.cockpit.api.iam.conftest import audit_requests, set_settings
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.schema import assert_valid

SERVICE = {"identityServiceName": INTERNAL_SERVICE}
ORDERS_VIEW = "sos:products:controller:orders:view"


def test_an_account_made_through_the_api_logs_in_with_its_roles_permissions(
    cockpit: RunningCockpit, joc: Joc
) -> None:
    joc.ok("/joc/api/iam/role/store", {**SERVICE, "roleName": "operator"})
    joc.ok(
        "/joc/api/iam/permissions/store",
        {
            **SERVICE,
            "roleName": "operator",
            "controllerId": "",
            "permissions": [
                {"permissionPath": "sos:products:controller"},
                {"permissionPath": "sos:products:controller:orders:cancel", "excluded": True},
                {"permissionPath": "sos:products:joc:auditLog"},
            ],
        },
    )
    joc.ok(
        "/joc/api/iam/permissions/store",
        {
            **SERVICE,
            "roleName": "operator",
            "controllerId": "prod",
            "permissions": [{"permissionPath": "sos:products:controller:orders:view", "excluded": True}],
        },
    )
    joc.ok(
        "/joc/api/iam/folders/store",
        {
            **SERVICE,
            "roleName": "operator",
            "controllerId": "",
            "folders": [{"folder": "/team", "recursive": True}],
        },
    )
    joc.ok(
        "/joc/api/iam/account/store",
        {
            **SERVICE,
            "accountName": "anna",
            "password": "anna-secret",
            "roles": ["operator"],
            "auditLog": {"comment": "new colleague"},
        },
    )

    roles = joc.ok("/joc/api/iam/roles", SERVICE)
    assert_valid("security/roles/roles-schema.json", roles)
    assert [(r["roleName"], r["controllers"]) for r in roles["roles"]] == [
        (ADMINISTRATOR_ROLE, []),
        ("operator", ["prod"]),
    ]
    listed = joc.ok("/joc/api/iam/accounts", SERVICE)
    assert_valid("security/accounts/accounts-schema.json", listed)
    assert [(a["accountName"], a["roles"]) for a in listed["accountItems"]] == [
        ("anna", ["operator"]),
        (ROOT, [ADMINISTRATOR_ROLE]),
    ]
    folders = joc.ok("/joc/api/iam/folders", {**SERVICE, "roleName": "operator"})
    assert_valid("security/folders/folders-schema.json", folders)
    assert folders["folders"] == [{"folder": "/team", "recursive": True}]
    permissions = joc.ok("/joc/api/iam/permissions", {**SERVICE, "roleName": "operator"})
    assert_valid("security/permissions/permissions-schema.json", permissions)
    assert len(permissions["permissions"]) == 3

    anna = Joc(cockpit.url)
    assert anna.login("anna", "anna-secret").status == 200
    own = anna.ok("/joc/api/authentication/joc_cockpit_permissions")
    assert_valid("security/securityConfiguration/permissions-schema.json", own)
    assert own["roles"] == ["operator"]
    assert own["controllerDefaults"]["orders"]["view"] is True
    assert own["controllerDefaults"]["orders"]["cancel"] is False
    assert own["controllers"]["prod"]["orders"]["view"] is False
    assert own["joc"]["auditLog"]["view"] is True and own["joc"]["inventory"]["view"] is False
    assert joc.ok("/joc/api/iam/account/permissions", {**SERVICE, "accountName": "anna"}) == own
    assert anna.post("/joc/api/iam/accounts", SERVICE).status == 403

    assert audit_requests(cockpit)[:5] == [
        "./iam/account/store",
        "./iam/folders/store",
        "./iam/permissions/store",
        "./iam/permissions/store",
        "./iam/role/store",
    ]
    entries = joc.ok("/joc/api/audit_log", {"categories": ["IDENTITY"], "limit": 1})
    assert_valid("audit/auditLog-schema.json", entries)
    [latest] = entries["auditLog"]
    assert latest["comment"] == "new colleague" and "anna-secret" not in latest["parameters"]


def test_renaming_and_deleting_roles_permissions_and_folders(joc: Joc) -> None:
    role = {**SERVICE, "roleName": "r1", "controllerId": ""}
    joc.ok("/joc/api/iam/role/store", {**SERVICE, "roleName": "r1"})
    joc.ok("/joc/api/iam/permissions/store", {**role, "permissions": [{"permissionPath": ORDERS_VIEW}]})
    joc.ok(
        "/joc/api/iam/permission/rename",
        {
            **role,
            "oldPermissionPath": ORDERS_VIEW,
            "newPermission": {"permissionPath": "sos:products:joc:inventory"},
        },
    )
    item = joc.ok("/joc/api/iam/permission", {**role, "permissionPath": "sos:products:joc:inventory"})
    assert_valid("security/permissions/permissionItem-schema.json", item)
    joc.ok(
        "/joc/api/iam/folders/store",
        {**role, "folders": [{"folder": "/a"}, {"folder": "/b", "recursive": False}]},
    )
    joc.ok("/joc/api/iam/folder/rename", {**role, "oldFolderName": "/a", "newFolder": {"folder": "/c"}})
    joc.ok("/joc/api/iam/folders/delete", {**role, "folderNames": ["/b"]})
    one = joc.ok("/joc/api/iam/folder", {**role, "folderName": "/c"})
    assert_valid("security/folders/folderItem-schema.json", one)
    assert joc.ok("/joc/api/iam/folders", role)["folders"] == [{"folder": "/c", "recursive": True}]
    joc.ok("/joc/api/iam/role/rename", {**SERVICE, "roleOldName": "r1", "roleNewName": "r2"})
    renamed = {**role, "roleName": "r2"}
    assert joc.ok("/joc/api/iam/permissions", renamed)["permissions"] == [
        {"permissionPath": "sos:products:joc:inventory", "excluded": False}
    ]
    joc.ok("/joc/api/iam/permissions/delete", {**renamed, "permissionPaths": ["sos:products:joc:inventory"]})
    assert joc.ok("/joc/api/iam/permissions", renamed)["permissions"] == []
    joc.ok("/joc/api/iam/roles/delete", {**SERVICE, "roleNames": ["r2"]})
    assert joc.post("/joc/api/iam/role", {**SERVICE, "roleName": "r2"}).error["code"] == "JOC-404"


def test_bad_input_names_the_field_and_changes_nothing(cockpit: RunningCockpit, joc: Joc) -> None:
    before = audit_requests(cockpit)
    unknown = joc.post(
        "/joc/api/iam/permissions/store",
        {
            **SERVICE,
            "roleName": ADMINISTRATOR_ROLE,
            "controllerId": "",
            "permissions": [{"permissionPath": "sos:products:joc:nothing"}],
        },
    )
    assert unknown.status == 420 and unknown.error["message"].startswith("$.permissions[0].permissionPath")
    extra = joc.post("/joc/api/iam/account/store", {**SERVICE, "accountName": "x", "colour": "red"})
    assert extra.status == 420 and "$.colour" in extra.error["message"]
    missing_role = joc.post(
        "/joc/api/iam/account/store", {**SERVICE, "accountName": "x", "roles": ["nobody"]}
    )
    assert missing_role.status == 420 and missing_role.error["message"].startswith("$.roles")
    bad_folder = joc.post(
        "/joc/api/iam/folders/store",
        {**SERVICE, "roleName": ADMINISTRATOR_ROLE, "controllerId": "", "folders": [{"folder": "no-slash"}]},
    )
    assert bad_folder.status == 420 and "$.folders[0].folder" in bad_folder.error["message"]
    assert [a["accountName"] for a in joc.ok("/joc/api/iam/accounts", SERVICE)["accountItems"]] == [ROOT]
    assert joc.ok("/joc/api/iam/permissions", {**SERVICE, "roleName": ADMINISTRATOR_ROLE})["permissions"] == [
        {"permissionPath": "sos:products", "excluded": False}
    ]
    assert audit_requests(cockpit) == before


def test_passwords_change_reset_and_forced_change(cockpit: RunningCockpit, joc: Joc) -> None:
    set_settings(cockpit, {"initialPassword": "initial-pw", "minPasswordLength": 8})
    joc.ok("/joc/api/iam/account/store", {**SERVICE, "accountName": "ben"})
    created = joc.ok("/joc/api/iam/account", {**SERVICE, "accountName": "ben"})
    assert_valid("security/accounts/account-schema.json", created)
    assert created["forcePasswordChange"] is True
    ben = Joc(cockpit.url)
    assert ben.login("ben", "initial-pw").body["forcePasswordChange"] is True

    change = {**SERVICE, "accountName": "ben", "oldPassword": "initial-pw"}
    short = ben.post(
        "/joc/api/iam/account/changepassword", {**change, "password": "short", "repeatedPassword": "short"}
    )
    assert short.status == 420 and "at least 8" in short.error["message"]
    wrong = ben.post(
        "/joc/api/iam/account/changepassword", {**change, "oldPassword": "nope", "password": "b-secret-1"}
    )
    assert wrong.status == 420 and wrong.error["message"].startswith("$.oldPassword")
    assert ben.post("/joc/api/iam/accounts", SERVICE).status == 403
    ben.ok(
        "/joc/api/iam/account/changepassword",
        {**change, "password": "b-secret-1", "repeatedPassword": "b-secret-1"},
    )
    assert ben.post("/joc/api/joc/version").status == 401, "a changed password ends the sessions"
    assert ben.login("ben", "initial-pw").status == 401
    assert ben.login("ben", "b-secret-1").body["forcePasswordChange"] is False

    joc.ok("/joc/api/iam/accounts/resetpassword", {**SERVICE, "accountNames": ["ben"]})
    assert ben.post("/joc/api/joc/version").status == 401, "a reset ends the sessions"
    assert ben.login("ben", "initial-pw").body["forcePasswordChange"] is True
    joc.ok("/joc/api/iam/accounts/forcepasswordchange", {**SERVICE, "accountNames": [ROOT]})
    assert Joc(cockpit.url).login(ROOT, ADMIN_PASSWORD).body["forcePasswordChange"] is True


def test_disabling_blocking_renaming_and_deleting_accounts(
    cockpit: RunningCockpit, joc: Joc, account: Callable[..., Joc]
) -> None:
    carl = account("carl", permissions=(ORDERS_VIEW,))
    joc.ok("/joc/api/iam/accounts/disable", {**SERVICE, "accountNames": ["carl"]})
    assert carl.post("/joc/api/joc/version").status == 401
    refused = Joc(cockpit.url).login("carl", "carl-password")
    assert refused.status == 401 and "disabled" in refused.body["message"]
    only_disabled = joc.ok("/joc/api/iam/accounts", {**SERVICE, "disabled": True})
    assert [a["accountName"] for a in only_disabled["accountItems"]] == ["carl"]
    joc.ok("/joc/api/iam/accounts/enable", {**SERVICE, "accountNames": ["carl"]})
    assert carl.login("carl", "carl-password").status == 200

    joc.ok("/joc/api/iam/blockedAccount/store", {"accountName": "carl", "comment": "left the team"})
    assert carl.post("/joc/api/joc/version").status == 401
    blocked = joc.ok("/joc/api/iam/blockedAccounts", {})
    assert_valid("security/blocklist/blockedAccounts-schema.json", blocked)
    assert [(b["accountName"], b["comment"]) for b in blocked["blockedAccounts"]] == [
        ("carl", "left the team")
    ]
    assert "blocked" in Joc(cockpit.url).login("carl", "carl-password").body["message"]
    joc.ok("/joc/api/iam/blockedAccounts/delete", {"accountNames": ["carl"]})
    assert joc.ok("/joc/api/iam/blockedAccounts", {})["blockedAccounts"] == []

    joc.ok("/joc/api/iam/account/rename", {**SERVICE, "accountOldName": "carl", "accountNewName": "carla"})
    assert Joc(cockpit.url).login("carla", "carl-password").status == 200
    taken = joc.post(
        "/joc/api/iam/account/rename", {**SERVICE, "accountOldName": "carla", "accountNewName": ROOT}
    )
    assert taken.error["code"] == "JOC-409"
    joc.ok("/joc/api/iam/accounts/delete", {**SERVICE, "accountNames": ["carla"]})
    assert Joc(cockpit.url).login("carla", "carl-password").status == 401
    assert joc.post("/joc/api/iam/accounts/delete", {**SERVICE, "accountNames": [ROOT]}).status == 420


def test_wrong_passwords_put_the_account_on_the_blocklist(
    cockpit: RunningCockpit, joc: Joc, account: Callable[..., Joc]
) -> None:
    account("dora")
    for _ in range(cockpit.cockpit.config.block_after_failed_logins):
        assert Joc(cockpit.url).login("dora", "wrong").status == 401
    assert "blocked" in Joc(cockpit.url).login("dora", "dora-password").body["message"]
    [entry] = joc.ok("/joc/api/iam/blockedAccounts", {"accountName": "dora"})["blockedAccounts"]
    assert entry["accountName"] == "dora" and "failed logins" in entry["comment"]
    joc.ok("/joc/api/iam/blockedAccounts/delete", {"accountNames": ["dora"]})
    assert Joc(cockpit.url).login("dora", "dora-password").status == 200
