"""Loading the Controller's and the Agent's configs: exactly what `stellwerk init` writes, more sections, the
environment and the command line's overrides, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from stellwerk.config.services import (
    DEFAULT_AGENT_PORT,
    DEFAULT_CONTROLLER_PORT,
    Overrides,
    load_agent_config,
    load_controller_config,
)
from stellwerk.config.source import ConfigError
from tests.config.conftest import append


def test_the_controller_config_init_writes_loads(initialized: Path) -> None:
    config = load_controller_config(initialized / "controller" / "node.toml", environ={})
    folder = (initialized / "controller").absolute()
    assert config.controller_id == "controller"
    assert (config.host, config.port, config.insecure) == ("127.0.0.1", DEFAULT_CONTROLLER_PORT, False)
    assert config.tls is not None
    assert config.tls.cert == folder / "node.pem"
    assert config.tls.key == folder / "node-key.pem"
    assert config.tls.ca.resolve() == (initialized / "ca" / "ca.pem").resolve()
    assert config.allowed_client_subjects == ("CN=cockpit,O=Stellwerk",)
    assert config.data_directory == folder / "data"
    assert config.agents == {} and config.trusted_certificates == ()


def test_the_agent_config_init_writes_loads(initialized: Path) -> None:
    config = load_agent_config(initialized / "agentA" / "node.toml", environ={})
    assert config.name == "agentA"
    assert config.port == DEFAULT_AGENT_PORT
    assert config.allowed_controller_subjects == ("CN=controller,O=Stellwerk",)
    assert config.tls is not None and config.tls.cert == (initialized / "agentA" / "node.pem").absolute()
    assert config.data_directory == (initialized / "agentA" / "data").absolute()


def test_more_sections_are_read_with_paths_relative_to_the_file(initialized: Path) -> None:
    path = append(initialized / "agentA" / "node.toml", """
[http]
port = 4500
[data]
directory = "../state/agentA"
[agent]
executables-directory = "bin"
process-limit = 3
file-watch-delay-unit = 0.5
""")  # fmt: skip
    config = load_agent_config(path, environ={})
    assert config.port == 4500
    assert config.data_directory.resolve() == (initialized / "state" / "agentA").resolve()
    assert config.executables_directory == (initialized / "agentA" / "bin").absolute()
    assert (config.process_limit, config.file_watch_delay_unit) == (3, 0.5)


def test_the_controller_sections(initialized: Path) -> None:
    path = append(initialized / "controller" / "node.toml", """
[controller]
id = "prod"
event-readers = ["cockpit"]
reconnect-delays = [0.1, 1]
[agents]
agentA = "https://agent-a:4445"
""")  # fmt: skip
    config = load_controller_config(path, Overrides(agents={"agentB": "https://b:1"}), environ={})
    assert config.controller_id == "prod"
    assert config.event_readers == ("cockpit",)
    assert config.reconnect_delays == (0.1, 1.0)
    assert config.agents == {"agentA": "https://agent-a:4445", "agentB": "https://b:1"}


def test_environment_overrides_the_file_and_the_command_line_both(initialized: Path) -> None:
    path = append(initialized / "controller" / "node.toml", "[http]\nport = 4000\n")
    environ = {
        "STELLWERK_HTTP__PORT": "5000",
        "STELLWERK_PEERS__ALLOWED_SUBJECTS": '["CN=a,O=X", "CN=b,O=X"]',
        "STELLWERK_CONTROLLER__ID": "from-env",
        "STELLWERK_AGENTS__agentA": "https://a:1",
        "STELLWERK_AGENT__PROCESS_LIMIT": "2",  # a section of the Agent's file: ignored here
        "STELLWERK_UNRELATED": "x",
    }
    config = load_controller_config(path, environ=environ)
    assert config.port == 5000
    assert config.allowed_client_subjects == ("CN=a,O=X", "CN=b,O=X")
    assert config.controller_id == "from-env"
    assert config.agents == {"agentA": "https://a:1"}
    data = Path("elsewhere")
    overridden = load_controller_config(path, Overrides(port=6000, data_directory=data), environ=environ)
    assert overridden.port == 6000
    assert overridden.data_directory == data.absolute()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[http]\nprot = 1\n", "http.prot: unknown key"),
        ("[http]\nport = '4444'\n", "http.port: Expected `int | null`, got `str`"),
        ("[http]\nport = 70000\n", "http.port: Expected `int` <= 65535"),
        ("[http]\ninsecure = 1\n", "http.insecure: Expected `bool`, got `int`"),
        (
            "[controller]\nevent-readers = ['a', 2]\n",
            "controller.event-readers[1]: Expected `str`, got `int`",
        ),
        ("[cockpit]\nx = 1\n", "cockpit: unknown key"),
        ("[http\n", "not valid TOML"),
    ],
)
def test_a_bad_file_names_the_file_and_the_key_path(initialized: Path, text: str, message: str) -> None:
    path = append(initialized / "controller" / "node.toml", text)
    with pytest.raises(ConfigError) as refused:
        load_controller_config(path, environ={})
    assert str(refused.value).startswith(f"{path}: ")
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"STELLWERK_HTTP__PORT": "x"}, "environment variable STELLWERK_HTTP__PORT: 'x' is not a TOML value"),
        (
            {"STELLWERK_HTTP__PORT": "'5'"},
            "environment variable STELLWERK_HTTP__PORT (http.port): Expected `int | null`",
        ),
        ({"STELLWERK_HTTP__PROT": "5"}, "environment variable STELLWERK_HTTP__PROT: there is no key 'prot'"),
        ({"STELLWERK_NOPE__X": "5"}, "environment variable STELLWERK_NOPE__X: there is no section [nope]"),
    ],
)
def test_a_bad_override_names_the_variable(initialized: Path, environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_controller_config(initialized / "controller" / "node.toml", environ=environ)
    assert message in str(refused.value)


def test_unusable_combinations_are_refused(initialized: Path, tmp_path: Path) -> None:
    controller = initialized / "controller" / "node.toml"
    with pytest.raises(ConfigError, match="loopback address only, not on 0.0.0.0"):
        load_controller_config(controller, Overrides(insecure=True, host="0.0.0.0"), environ={})
    with pytest.raises(ConfigError, match="node.role: this is the config of the controller, not of an agent"):
        load_agent_config(controller, environ={})
    with pytest.raises(ConfigError, match="cannot be read"):
        load_agent_config(tmp_path / "missing.toml", environ={})
    (initialized / "controller" / "node.pem").unlink()
    with pytest.raises(ConfigError, match=r"tls.certificate: .*node.pem is not a file"):
        load_controller_config(controller, environ={})
    insecure = load_controller_config(controller, Overrides(insecure=True), environ={})
    assert insecure.insecure and insecure.tls is None


def test_trusted_signing_certificates_must_be_readable(initialized: Path) -> None:
    path = append(
        initialized / "controller" / "node.toml", '[signing]\ntrusted-certificates = ["../ca/ca.pem"]\n'
    )
    config = load_controller_config(path, environ={})
    assert [p.resolve() for p in config.trusted_certificates] == [(initialized / "ca" / "ca.pem").resolve()]
    (initialized / "ca" / "ca.pem").write_text("not a certificate")
    with pytest.raises(
        ConfigError, match="signing.trusted-certificates: .*no trusted certificate can be read"
    ):
        load_controller_config(path, environ={})
