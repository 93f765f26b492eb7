"""The `stellwerk` command."""

from __future__ import annotations

import click

from stellwerk.cli.agent import agent_command
from stellwerk.cli.cockpit import cockpit_command
from stellwerk.cli.controller import controller_command
from stellwerk.cli.init import init_command
from stellwerk.cli.run import run_command
from stellwerk.cli.standalone import standalone_command


@click.group()
@click.version_option(package_name="stellwerk")
def main() -> None:
    """Stellwerk workload automation."""


main.add_command(run_command)
main.add_command(init_command)
main.add_command(controller_command)
main.add_command(agent_command)
main.add_command(cockpit_command)
main.add_command(standalone_command)
