"""`stellwerk login` and `stellwerk logout`: a session at a Cockpit whose access token is stored in the profile
(see profiles.py), so the other commands need no password."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from stellwerk.cli.client.exits import EXIT_CODES_HELP, CliFailure, Exit
from stellwerk.cli.client.joc import JocClient
from stellwerk.cli.client.profiles import DEFAULT_PROFILE, Profile, read_profiles, save_profile
from stellwerk.cli.client.session import open_session, profile_option


@click.command("login", epilog=EXIT_CODES_HELP)
@click.option("--url", help="The Cockpit, e.g. https://cockpit.example:4443 (kept in the profile).")
@click.option("--account", help="The account (kept in the profile; root when never given).")
@click.option(
    "--password", envvar="STELLWERK_PASSWORD", help="The password (env STELLWERK_PASSWORD; asked if absent)."
)
@click.option(
    "--ca", type=click.Path(exists=True, dir_okay=False), help="CA certificate (PEM) of the Cockpit's HTTPS."
)
@click.option(
    "--controller", help="The Controller id the commands act on (the Cockpit's selected one if not given)."
)
@profile_option
def login_command(
    url: str | None,
    account: str | None,
    password: str | None,
    ca: str | None,
    controller: str | None,
    profile_name: str,
) -> None:
    """Log in to a Cockpit and store the access token in the profile."""
    profiles = read_profiles()
    default = profiles.get(DEFAULT_PROFILE)
    # a new profile starts at the default profile's Cockpit: another account at the same place is the usual case
    known = profiles.get(profile_name) or Profile(
        url=default.url if default else "", ca=default.ca if default else ""
    )
    profile = replace(
        known,
        url=url or known.url,
        account=account or known.account or "root",
        ca=str(Path(ca).resolve()) if ca else known.ca,  # the commands may run from another folder
        controller=controller if controller is not None else known.controller,
    )
    if not profile.url:
        raise CliFailure(f"profile {profile_name!r} has no Cockpit yet: give --url", Exit.BAD_INPUT)
    if password is None:
        password = click.prompt(f"Password of {profile.account}", hide_input=True)
    client = JocClient(profile.url, ca=profile.ca)
    client.login(profile.account, password)
    stored = save_profile(profile_name, profile.with_token(client.token))
    click.echo(f"Logged in to {client.url} as {profile.account} (profile {profile_name}, token in {stored})")


@click.command("logout", epilog=EXIT_CODES_HELP)
@profile_option
def logout_command(profile_name: str) -> None:
    """End the profile's session and forget its token."""
    session = open_session(profile_name, as_json=False)
    try:
        session.client.call("/authentication/logout")
    finally:
        save_profile(profile_name, session.profile.with_token(""))
    click.echo(f"Logged out (profile {profile_name})")
