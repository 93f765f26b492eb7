"""Deployment history and what each Controller has."""

from __future__ import annotations

from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.db.enums import DeploymentOperation, DeploymentState
from stellwerk.cockpit.db.repositories.deployments import DeploymentRepository, NewDeployment
from stellwerk.cockpit.db.session import Database


def item(path: str, commit: str, controller: str = "c1", **changes: object) -> NewDeployment:
    fields: dict[str, object] = {
        "controller_id": controller,
        "object_type": T.WORKFLOW,
        "path": path,
        "content": f'{{"commit":"{commit}"}}',
        "commit_id": commit,
        "account": "root",
        "version_id": commit,
    }
    return NewDeployment(**{**fields, **changes})  # type: ignore[arg-type]


async def test_record_and_read_what_is_deployed(database: Database) -> None:
    async with database.session() as session:
        deployments = DeploymentRepository(session)
        recorded = await deployments.record(
            [item("/f/a", "k1"), item("/f/b", "k1"), item("/f/a", "k1", "c2")], now=1
        )
        assert [(d.name, d.folder, d.deployed) for d in recorded] == [
            ("a", "/f", 1),
            ("b", "/f", 1),
            ("a", "/f", 1),
        ]
        await deployments.record([item("/f/a", "k2")], now=2)
        await deployments.record([item("/f/b", "k3", operation=DeploymentOperation.DELETE)], now=3)
        latest = await deployments.latest("c1", T.WORKFLOW, "a")
        assert latest is not None and latest.commit_id == "k2"
        assert await deployments.latest("c1", T.WORKFLOW, "b") is None
        assert [(d.path, d.commit_id) for d in await deployments.deployed("c1")] == [("/f/a", "k2")]
        assert [(d.path, d.commit_id) for d in await deployments.deployed("c2", "/f", recursive=False)] == [
            ("/f/a", "k1")
        ]


async def test_a_refused_commit_is_not_deployed(database: Database) -> None:
    async with database.session() as session:
        deployments = DeploymentRepository(session)
        await deployments.record([item("/a", "k1")], now=1)
        await deployments.record([item("/a", "k2")], now=2)
        assert await deployments.set_state("c1", "k2", DeploymentState.NOT_DEPLOYED, "signature refused") == 1
        latest = await deployments.latest("c1", T.WORKFLOW, "a")
        assert latest is not None and latest.commit_id == "k1"
        history = await deployments.history(controller_id="c1")
        assert [(d.commit_id, d.state, d.error_message) for d in history] == [
            ("k2", DeploymentState.NOT_DEPLOYED, "signature refused"),
            ("k1", DeploymentState.DEPLOYED, None),
        ]
        assert [d.commit_id for d in await deployments.history(commit_id="k1")] == ["k1"]
        assert [d.commit_id for d in await deployments.history(date_from=2)] == ["k2"]
        assert [d.commit_id for d in await deployments.history(date_to=2, folder="/")] == ["k1"]
