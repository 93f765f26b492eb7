"""schemathesis against the OpenAPI the Cockpit serves (/joc/api/openapi.json), over real HTTP on SQLite: no
answer is a server error, and every answer matches the response schema of its operation. `make test` runs a few
cases per operation; `make fuzz` (STELLWERK_FUZZ_EXAMPLES) many more."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from stellwerk.cockpit.config import CockpitConfig
from stellwerk.cockpit.db.session import default_url
from tests.cockpit.api.conftest import ADMIN_PASSWORD, serve_cockpit
from tests.cockpit.api.joc import Joc

EXAMPLES = int(os.environ.get("STELLWERK_FUZZ_EXAMPLES", "8"))
# Logging out would end the session the other cases use.
SKIPPED = ("/joc/api/authentication/logout",)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    data: Path = tmp_path_factory.mktemp("fuzz")
    config = CockpitConfig(data_directory=data, database_url=default_url(data))
    for running in serve_cockpit(config, admin_password=ADMIN_PASSWORD):
        joc = Joc(running.url)
        assert joc.login("root", ADMIN_PASSWORD).status == 200
        assert joc.token is not None
        yield running.url, joc.token


@pytest.fixture(scope="module")
def joc_api(served: tuple[str, str]) -> schemathesis.BaseSchema:
    url, _ = served
    return schemathesis.openapi.from_url(f"{url}/joc/api/openapi.json").exclude(path=list(SKIPPED))


def test_no_server_error_and_answers_match_their_schema(
    joc_api: schemathesis.BaseSchema, served: tuple[str, str]
) -> None:
    url, token = served
    operations = [result.ok() for result in joc_api.get_all_operations()]
    assert operations, "the Cockpit serves an OpenAPI with operations"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            headers = None if "X-Access-Token" in (case.headers or {}) else {"X-Access-Token": token}
            case.call_and_validate(
                base_url=url,
                headers=headers,
                checks=[not_a_server_error, response_schema_conformance],
                timeout=30,
            )

        check()
