"""The `stellwerk` command."""

from __future__ import annotations

import click


@click.group()
@click.version_option(package_name="stellwerk")
def main() -> None:
    """Stellwerk workload automation."""
