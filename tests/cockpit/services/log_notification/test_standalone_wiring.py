"""`stellwerk standalone` points the Controller's and the Agent's syslog at the Cockpit's Log Notification port."""

from __future__ import annotations

from pathlib import Path

from stellwerk.cli.standalone import Layout, _cockpit_arguments, _node_arguments


def test_the_nodes_send_to_the_port_the_cockpit_receives_on(tmp_path: Path) -> None:
    layout = Layout(tmp_path, "controller", "agent", (1, 2, 3), True, None, None, "info", syslog_port=4514)
    for name, port in (("controller", 2), ("agent", 3)):
        arguments = _node_arguments(layout, name, port)
        assert arguments[arguments.index("--syslog") + 1] == "udp://127.0.0.1:4514"
    cockpit = _cockpit_arguments(layout)
    assert cockpit[cockpit.index("--syslog-port") + 1] == "4514"
