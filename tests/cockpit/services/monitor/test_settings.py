"""The Monitor's settings from TOML (what `stellwerk cockpit --monitor-config` reads); a bad file names its field."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from stellwerk.cli import main
from stellwerk.cockpit.services.monitor.settings import SettingsError, read_settings

EXAMPLE = """
controller_lost_after_ms = 120000
retry_delays_ms = [1000, 10000]

[[mail]]
name = "operators"
host = "smtp.example.com"
port = 587
starttls = true
user = "monitor"
password = "secret"
sender = "stellwerk@example.com"
to = ["ops@example.com"]
types = ["ERROR"]

[[webhooks]]
name = "chat"
url = "https://chat.example.com/hooks/stellwerk"
headers = { Authorization = "Bearer token" }
categories = ["CONTROLLER", "AGENT", "JOC"]

[[commands]]
name = "pager"
command = ["/usr/local/bin/page", "--urgent"]
"""


def test_the_example_reads() -> None:
    settings = read_settings(EXAMPLE)
    assert settings.controller_lost_after_ms == 120_000 and settings.retry_delays_ms == (1000, 10000)
    [mail] = settings.mail
    assert (mail.port, mail.starttls, mail.to, mail.types) == (587, True, ("ops@example.com",), ("ERROR",))
    [hook] = settings.webhooks
    assert hook.headers == {"Authorization": "Bearer token"} and not hook.wants("ERROR", "ORDER")
    assert settings.commands[0].command == ("/usr/local/bin/page", "--urgent")


def test_a_bad_file_names_its_field() -> None:
    with pytest.raises(SettingsError, match=r"mail\[0\]"):
        read_settings('[[mail]]\nname = "m"\nhost = "h"\nport = "25"\nsender = "s"\n')


def test_the_cockpit_refuses_a_bad_monitor_config(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text("[[webhooks]]\nname = 3\n")
    result = CliRunner().invoke(main, ["cockpit", "--data", str(tmp_path), "--monitor-config", str(config)])
    assert result.exit_code == 2 and "--monitor-config" in result.output and "monitor.toml" in result.output
