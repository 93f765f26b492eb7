"""What every operator command shares: the options `--profile` and `--json`, the client of the profile's
Cockpit with its stored token, the Controller id, and output as a table (for people) or JSON (for scripts)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from stellwerk.cli.client.exits import EXIT_CODES_HELP, CliFailure, Exit
from stellwerk.cli.client.joc import JocClient
from stellwerk.cli.client.profiles import DEFAULT_PROFILE, Profile, read_profiles

WIDE = 200  # columns of a table written to a file or pipe: order ids are long, and scripts read whole lines


@dataclass
class Session:
    client: JocClient
    profile: Profile
    as_json: bool
    console: Console = field(default_factory=lambda: Console(width=None if sys.stdout.isatty() else WIDE))
    _controller: str = ""

    @property
    def controller_id(self) -> str:
        """The profile's Controller, or the one the Cockpit has selected."""
        if not self._controller:
            chosen = self.profile.controller or self.client.call("/controller/ids").get("selected")
            if not chosen:
                raise CliFailure(
                    "no Controller for this account (none registered, or no permission): "
                    "name one with `stellwerk login --controller ID`",
                    Exit.UNKNOWN_OBJECT,
                )
            self._controller = str(chosen)
        return self._controller

    def emit(self, data: Any, table: Callable[[], Table | str] | None = None) -> None:
        """`data` as JSON with `--json`, else the table (or text) made from it."""
        if self.as_json or table is None:
            click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            shown = table()
            # text is printed as it is: names and messages may hold brackets that rich would take for markup
            self.console.print(shown, markup=not isinstance(shown, str), highlight=False)

    @contextmanager
    def progress(self, description: str, total: int) -> Iterator[Callable[[], None]]:
        """A progress bar on stderr (when it is a terminal and not `--json`); yields the step function."""
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
            disable=self.as_json or not sys.stderr.isatty(),
        )
        with bar:
            task = bar.add_task(description, total=total)
            yield lambda: bar.advance(task)


def open_session(profile_name: str, as_json: bool) -> Session:
    profile = read_profiles().get(profile_name)
    if profile is None or not profile.token:
        raise CliFailure(
            f"not logged in with profile {profile_name!r}; run `stellwerk login`", Exit.NOT_LOGGED_IN
        )
    client = JocClient(profile.url, token=profile.token, ca=profile.ca)
    return Session(client, profile, as_json)


def profile_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--profile",
        "profile_name",
        envvar="STELLWERK_PROFILE",
        default=DEFAULT_PROFILE,
        show_default=True,
        help="The stored login to use (env STELLWERK_PROFILE).",
    )(function)


def operator_command(
    group: click.Group | None, name: str, **settings: Any
) -> Callable[[Callable[..., Any]], Any]:
    """Makes `function(session, **options)` a command (of `group`, if given) with `--profile` and `--json`; the
    exit codes go into its help."""

    def register(function: Callable[..., Any]) -> Any:
        @functools.wraps(function)
        def with_session(profile_name: str, as_json: bool, **options: Any) -> Any:
            return function(open_session(profile_name, as_json), **options)

        decorated = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(
            with_session
        )
        make = group.command if group is not None else click.command
        return make(name, epilog=EXIT_CODES_HELP, **settings)(profile_option(decorated))

    return register


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    shown = Table(title=title, title_justify="left")
    for column in columns:
        shown.add_column(column, overflow="fold")
    for row in rows:
        shown.add_row(*(Text("" if cell is None else str(cell)) for cell in row))  # Text: no markup in data
    return shown


def state_text(view: dict[str, Any], key: str = "state") -> str:
    state = view.get(key) or {}
    return str(state.get("_text", "")) if isinstance(state, dict) else str(state)
