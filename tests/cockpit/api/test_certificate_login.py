"""Login with a client certificate, as the JOC client does it (CertAuth): over HTTPS, the Cockpit asks for a
certificate of its client CA; the certificate's common name is the account, which must exist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from js7 import Client
from js7.model.configuration.auth_configuration import AuthConfiguration, CertAuth
from js7.model.configuration.http_configuration import HTTPConfiguration
from js7.model.error.http.joc_exceptions import AuthenticationFailed

from stellwerk.cockpit.config import CockpitConfig
from stellwerk.cockpit.service import browser_context
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit, _empty, serve_cockpit
from tests.cockpit.backends import run

# The JOC client keeps its connection open until the process ends.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture
def ca(tmp_path: Path) -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https_cockpit(database_url: str, tmp_path: Path, ca: trustme.CA) -> Iterator[RunningCockpit]:
    run(lambda: _empty(database_url))
    server = ca.issue_cert("127.0.0.1")
    server.cert_chain_pems[0].write_to_path(str(tmp_path / "server.pem"))
    server.private_key_pem.write_to_path(str(tmp_path / "server-key.pem"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    tls = browser_context(tmp_path / "server.pem", tmp_path / "server-key.pem", tmp_path / "ca.pem")
    config = CockpitConfig(data_directory=tmp_path / "cockpit", database_url=database_url)
    yield from serve_cockpit(config, admin_password=ADMIN_PASSWORD, tls=tls)


def client_with_certificate(cockpit: RunningCockpit, ca: trustme.CA, folder: Path, name: str) -> Client:
    issued = ca.issue_cert(f"{name}.example", common_name=name)
    certificate, key = folder / f"{name}.pem", folder / f"{name}-key.pem"
    issued.cert_chain_pems[0].write_to_path(str(certificate))
    issued.private_key_pem.write_to_path(str(key))
    port = int(cockpit.url.rsplit(":", 1)[1])
    return Client(
        http_config=HTTPConfiguration(host="127.0.0.1", port=port, ssl=True, cafile_path=folder / "ca.pem"),
        auth_config=AuthConfiguration(cert_auth=CertAuth(certfile_path=certificate, keyfile_path=key)),
    )


def test_a_client_certificate_of_an_account_logs_in_without_a_password(
    https_cockpit: RunningCockpit, ca: trustme.CA, tmp_path: Path
) -> None:
    # Creating the client logs in and reads the JOC version with the token, as every later call would.
    client = client_with_certificate(https_cockpit, ca, tmp_path, "root")
    token = client.login()
    assert isinstance(token, str) and token


def test_a_certificate_of_no_account_is_refused(
    https_cockpit: RunningCockpit, ca: trustme.CA, tmp_path: Path
) -> None:
    with pytest.raises(AuthenticationFailed):
        client_with_certificate(https_cockpit, ca, tmp_path, "mallory").login()
