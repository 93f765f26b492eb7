"""`/joc/api/controller/restart|terminate|abort|abort_and_restart` against a real Controller process: a restart
starts it again in its process (it answers again and keeps its journal), a termination ends it (exit code 0);
each is audited; a node started with --log-file gives its log for download. An account without the permission,
and a URL that is no node of the Controller, are refused and change nothing."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from tests.cockpit.api.agents.conftest import account_on
from tests.cockpit.api.agents.test_agents import _audit_requests
from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit
from tests.cockpit.api.ctl.conftest import root
from tests.cockpit.api.schema import assert_valid
from tests.cockpit.backends import SQLITE_ONLY, run
from tests.cockpit.ui.test_session import Browser
from tests.controller.cluster.processes import ProcessWithOptions
from tests.e2e.nodes import CONTROLLER, NodeProcess, until, until_async

pytestmark = SQLITE_ONLY


def _controller_process(controller: ControllerNodes) -> NodeProcess:
    return next(node for node in controller.installation.nodes if node.role == CONTROLLER)


def test_a_controller_is_restarted_and_terminated_from_the_cockpit(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = root(running)
    node = _controller_process(controller)
    process = node.running_process()
    viewer = account_on(running, "viewer", ("sos:products:controller:view",))
    assert viewer.post("/joc/api/controller/restart", {"controllerId": "e2e"}).status == 403
    elsewhere = joc.post(
        "/joc/api/controller/terminate", {"controllerId": "e2e", "url": "https://elsewhere:1"}
    )
    assert elsewhere.status >= 400 and "$.url" in str(elsewhere.body)
    unknown = joc.post("/joc/api/controller/terminate", {"controllerId": "e2e", "withSideways": True})
    assert unknown.status >= 400 and "withSideways" in str(unknown.body)
    assert _audit_requests(running) == [] and process.poll() is None

    answer = joc.ok("/joc/api/controller/restart", {"controllerId": "e2e", "withSwitchover": True})
    assert_valid("common/ok-schema.json", answer)
    run(lambda: until(lambda: node.output().count("listening on") == 2, 30, "the Controller to listen again"))
    assert process.poll() is None, "restarted in its own process"

    async def answers() -> bool:
        return joc.post("/joc/api/controller", {"controllerId": "e2e"}).status == 200

    run(lambda: until_async(answers, 30, "the Cockpit to reach the restarted Controller"))
    joc.ok("/joc/api/controller/terminate", {"controllerId": "e2e", "url": controller.url})
    run(lambda: until(lambda: process.poll() is not None, 30, "the Controller to stop"))
    assert process.returncode == 0
    assert sorted(_audit_requests(running)) == ["./controller/restart", "./controller/terminate"]


def test_a_controller_nodes_log_downloads_from_the_dashboard(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes], tmp_path: Path
) -> None:
    running, controller = controller_cockpit
    browser = Browser(running.url)
    assert browser.log_in("root", ADMIN_PASSWORD)[0] == 303
    query = f"controller=e2e&url={quote(controller.url, safe='')}"
    status, answer = browser.request(f"/ui/controller/log?{query}")
    assert status == 404 and "writes no log file" in answer  # started without --log-file
    assert browser.request("/ui/controller/log?controller=e2e&url=https%3A%2F%2Felsewhere")[0] == 404

    node = _controller_process(controller)
    run(node.stop)
    log_file = tmp_path / "controller.log"
    with_log = ProcessWithOptions(CONTROLLER, node.config, node.log, ["--log-file", str(log_file)])
    controller.installation.nodes.append(with_log)
    run(with_log.start)
    status, answer = browser.request(f"/ui/controller/log?{query}")
    assert status == 200 and "Controller e2e started" in answer, answer
    assert answer == log_file.read_text()[: len(answer)]
    viewer = Browser(running.url)
    account_on(running, "looker", ("sos:products:controller:view",))
    assert viewer.log_in("looker", "looker-password")[0] == 303
    assert viewer.request(f"/ui/controller/log?{query}")[0] == 403
