"""The `stellwerk` command."""

from __future__ import annotations

import click

from stellwerk.cli.init import init_command
from stellwerk.cli.run import run_command


@click.group()
@click.version_option(package_name="stellwerk")
def main() -> None:
    """Stellwerk workload automation."""


main.add_command(run_command)
main.add_command(init_command)
