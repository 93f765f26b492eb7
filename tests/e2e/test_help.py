"""`--help` of every command, run as the installed program would be, mentions every option with a help text."""

from __future__ import annotations

import subprocess
import sys

import click

from stellwerk.cli import main


def test_every_command_explains_every_option() -> None:
    context = click.Context(main)
    commands = sorted((name, main.get_command(context, name)) for name in main.list_commands(context))
    runs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "stellwerk", name, "--help"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name, _ in commands
    }
    assert {"controller", "agent", "standalone", "init", "run"} <= set(runs)
    for name, command in commands:
        assert command is not None
        output, errors = runs[name].communicate(timeout=60)
        assert runs[name].returncode == 0, errors
        text = " ".join(output.decode().split())
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                assert parameter.help, f"{name} {parameter.opts[0]} has no help"
                for option in parameter.opts:
                    assert option in text, f"`stellwerk {name} --help` does not mention {option}"
