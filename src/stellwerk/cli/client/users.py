"""`stellwerk users`: the accounts of every identity service (`/iam/identityservices`, `/iam/accounts`)."""

from __future__ import annotations

from typing import Any

from stellwerk.cli.client.session import Session, operator_command, table


@operator_command(None, "users")
def users_command(session: Session) -> None:
    """The accounts of the identity services with their roles."""
    services = session.client.call("/iam/identityservices").get("identityServiceItems", [])
    accounts: list[dict[str, Any]] = []
    for service in services:
        body = {"identityServiceName": service["identityServiceName"]}
        accounts += session.client.call("/iam/accounts", body).get("accountItems", [])
    rows = [
        (
            account.get("accountName"),
            account.get("identityServiceName"),
            ", ".join(account.get("roles") or []),
            "yes" if account.get("disabled") else "no",
            "yes" if account.get("blocked") else "no",
        )  # fmt: skip
        for account in accounts
    ]
    session.emit({"accounts": accounts}, lambda: table(None, ("Account", "Identity service", "Roles", "Disabled", "Blocked"), rows))  # fmt: skip
