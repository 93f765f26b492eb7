"""Identity services, accounts, roles, permissions, folders and sessions."""

from __future__ import annotations

import pytest

from stellwerk.cockpit.db.enums import IdentityServiceType
from stellwerk.cockpit.db.repositories.identity import (
    AccountEntry,
    IdentityRepository,
    IdentityService,
    UnknownRoles,
)
from stellwerk.cockpit.db.repositories.roles import FolderGrant, Permission, RoleRepository
from stellwerk.cockpit.db.repositories.sessions import SessionRepository, token_hash
from stellwerk.cockpit.db.session import Database

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


async def _setup(database: Database) -> int:
    async with database.session() as session:
        identity, roles = IdentityRepository(session), RoleRepository(session)
        await identity.store_service(IdentityService(name="JOC-INITIAL"))
        await roles.store_role("JOC-INITIAL", "administrator")
        await roles.store_role("JOC-INITIAL", "operator", ordering=1)
        account = await identity.store_account(
            "JOC-INITIAL", AccountEntry(name="root", password_hash=HASH), now=1, roles=["administrator"]
        )
        return account.id


async def test_identity_services(database: Database) -> None:
    async with database.session() as session:
        identity = IdentityRepository(session)
        ldap = IdentityService(
            name="LDAP", service_type=IdentityServiceType.LDAP, ordering=2, configuration="{}"
        )
        await identity.store_service(IdentityService(name="JOC", ordering=1))
        await identity.store_service(ldap)
        assert [s.name for s in await identity.services()] == ["JOC", "LDAP"]
        assert await identity.service("LDAP") == ldap
        changed = IdentityService(name="LDAP", service_type=IdentityServiceType.LDAP_JOC, disabled=True)
        await identity.store_service(changed)
        assert await identity.service("LDAP") == changed
        assert await identity.delete_service("LDAP") is True
        assert await identity.service("LDAP") is None


async def test_accounts_with_roles_and_passwords(database: Database) -> None:
    await _setup(database)
    async with database.session() as session:
        identity = IdentityRepository(session)
        root = await identity.account("JOC-INITIAL", "root")
        assert root is not None and (root.password_hash, root.roles, root.blocked) == (
            HASH,
            ("administrator",),
            False,
        )
        kept = await identity.store_account("JOC-INITIAL", AccountEntry(name="root", email="r@x"), now=2)
        assert (kept.password_hash, kept.email, kept.roles) == (HASH, "r@x", ("administrator",))
        both = await identity.store_account(
            "JOC-INITIAL", AccountEntry(name="root"), now=2, roles=["operator", "administrator"]
        )
        assert both.roles == ("administrator", "operator")
        with pytest.raises(UnknownRoles, match="nobody"):
            await identity.store_account("JOC-INITIAL", AccountEntry(name="root"), now=2, roles=["nobody"])
        with pytest.raises(LookupError):
            await identity.store_account("missing", AccountEntry(name="x"), now=2)
        assert await identity.set_password("JOC-INITIAL", "root", "$argon2id$new", now=3, force_change=True)
        changed = await identity.account("JOC-INITIAL", "root")
        assert changed is not None and (changed.password_hash, changed.force_password_change) == (
            "$argon2id$new",
            True,
        )
        await identity.store_account("JOC-INITIAL", AccountEntry(name="anna"), now=3)
        assert [a.name for a in await identity.accounts("JOC-INITIAL")] == ["anna", "root"]
        assert await identity.delete_account("JOC-INITIAL", "anna") is True
        assert await identity.delete_account("JOC-INITIAL", "anna") is False


async def test_failed_logins_block_the_account(database: Database) -> None:
    await _setup(database)
    async with database.session() as session:
        identity = IdentityRepository(session)
        for attempt in range(1, 4):
            account = await identity.login_failed("JOC-INITIAL", "root", now=attempt, block_after=3)
            assert account is not None and (account.failed_logins, account.blocked) == (attempt, attempt == 3)
        assert await identity.login_failed("JOC-INITIAL", "nobody", now=4, block_after=3) is None
        assert await identity.set_blocked("JOC-INITIAL", "root", False, now=5)
        unblocked = await identity.account("JOC-INITIAL", "root")
        assert unblocked is not None and (unblocked.blocked, unblocked.failed_logins) == (False, 0)
        await identity.login_failed("JOC-INITIAL", "root", now=6, block_after=3)
        assert await identity.login_succeeded("JOC-INITIAL", "root", now=7)
        after = await identity.account("JOC-INITIAL", "root")
        assert after is not None and (after.failed_logins, after.last_login, after.last_failed_login) == (
            0,
            7,
            6,
        )
        assert await identity.set_blocked("JOC-INITIAL", "root", True, now=8)


async def test_permissions_and_folders_per_controller(database: Database) -> None:
    account_id = await _setup(database)
    async with database.session() as session:
        roles = RoleRepository(session)
        manage = Permission(permission="sos:products:joc:inventory:manage")
        no_cancel = Permission(permission="sos:products:controller:orders:cancel", excluded=True)
        assert await roles.set_permissions("JOC-INITIAL", "administrator", [manage])
        assert await roles.set_permissions("JOC-INITIAL", "administrator", [no_cancel], controller_id="prod")
        assert await roles.set_permissions("JOC-INITIAL", "missing", [manage]) is False
        assert await roles.permissions("JOC-INITIAL", "administrator") == [manage]
        assert await roles.permissions("JOC-INITIAL", "administrator", "prod") == [no_cancel]
        folders = [FolderGrant(folder="/team"), FolderGrant(folder="/shared", recursive=False)]
        assert await roles.set_folders("JOC-INITIAL", "administrator", folders, controller_id="prod")
        assert await roles.folders("JOC-INITIAL", "administrator", "prod") == [folders[1], folders[0]]
        assert await roles.roles("JOC-INITIAL") == ["administrator", "operator"]

        grants = await roles.grants(account_id)
        assert grants.roles == ("administrator",)
        assert [(p.controller_id, p.permission, p.excluded) for p in grants.permissions] == [
            ("", manage.permission, False),
            ("prod", no_cancel.permission, True),
        ]
        assert [(f.folder, f.recursive) for f in grants.folders] == [("/team", True), ("/shared", False)]

        assert await roles.delete_role("JOC-INITIAL", "administrator") is True
        assert (await roles.grants(account_id)).permissions == ()
        with pytest.raises(LookupError):
            await roles.store_role("missing", "r")


async def test_sessions_expire_unless_used(database: Database) -> None:
    account_id = await _setup(database)
    async with database.session() as session:
        sessions = SessionRepository(session)
        opened = await sessions.open(account_id, now=1000, idle_limit=100, client="127.0.0.1")
        assert (opened.session.account, opened.session.service, opened.session.expires) == (
            "root",
            "JOC-INITIAL",
            1100,
        )
        assert len(opened.token) >= 40 and token_hash(opened.token) != opened.token
        assert await sessions.find(opened.token, now=1099) == opened.session
        touched = await sessions.touch(opened.token, now=1050)
        assert touched is not None and touched.expires == 1150
        assert await sessions.find(opened.token, now=1149) is not None
        assert await sessions.find(opened.token, now=1150) is None
        assert await sessions.touch(opened.token, now=1200) is None
        assert await sessions.find("forged", now=1000) is None

        other = await sessions.open(account_id, now=2000, idle_limit=100)
        assert [s.id for s in await sessions.sessions(now=2000)] == [other.session.id]
        assert await sessions.purge_expired(now=2000) == 1
        assert await sessions.close(other.token) is True
        assert await sessions.close(other.token) is False
        await sessions.open(account_id, now=3000, idle_limit=100)
        assert await sessions.close_account(account_id) == 1


async def test_the_blocklist_is_by_name_with_since_and_comment(database: Database) -> None:
    await _setup(database)
    async with database.session() as session:
        identity = IdentityRepository(session)
        await identity.store_service(IdentityService(name="LDAP", service_type=IdentityServiceType.LDAP))
        await identity.store_account("LDAP", AccountEntry(name="root"), now=1)
        assert [a.service for a in await identity.block_name("root", now=5, comment="audit")] == [
            "JOC-INITIAL",
            "LDAP",
        ]
        [entry] = await identity.blocklist()
        assert (entry.name, entry.since, entry.comment) == ("root", 5, "audit")
        assert await identity.block_name("nobody", now=6) == []
        assert len(await identity.unblock_names(["root"], now=7)) == 2
        assert await identity.blocklist() == []
        assert await identity.rename_account("LDAP", "root", "admin", now=8)
        assert await identity.rename_service("LDAP", "Directory")
        renamed = await identity.account("Directory", "admin")
        assert renamed is not None and (await identity.account_by_id(renamed.id)) == renamed
        roles = RoleRepository(session)
        assert await roles.rename_role("JOC-INITIAL", "operator", "viewer")
        assert [r.name for r in await roles.role_entries("JOC-INITIAL")] == ["administrator", "viewer"]
