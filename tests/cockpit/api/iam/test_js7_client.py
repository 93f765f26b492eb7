"""The published JOC client (`js7-client-python`) manages accounts, roles, permissions and folders through
`client.iam.manage`, unchanged."""

from __future__ import annotations

from urllib.parse import urlsplit

import js7
from js7.model.configuration.auth_configuration import AuthConfiguration, BasicAuth
from js7.model.configuration.http_configuration import HTTPConfiguration
from js7.model.public.client.common.accounts import Account
from js7.model.public.client.filter.element.folder import Folder

from stellwerk.cockpit.security.accounts import INTERNAL_SERVICE, ROOT
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit
from tests.cockpit.api.joc import Joc


def test_the_real_client_manages_accounts_roles_permissions_and_folders(cockpit: RunningCockpit) -> None:
    address = urlsplit(cockpit.url)
    client = js7.Client(
        http_config=HTTPConfiguration(host=address.hostname or "127.0.0.1", port=address.port or 80),
        auth_config=AuthConfiguration(basic_auth=BasicAuth(username=ROOT, password=ADMIN_PASSWORD)),
    )
    try:
        manage = client.iam.manage
        assert manage.store_role(INTERNAL_SERVICE, "deployer")
        assert "deployer" in manage.get_roles(INTERNAL_SERVICE)
        deploy = "sos:products:controller:deployments:deploy"
        assert manage.set_permissions(INTERNAL_SERVICE, "deployer", "prod", [(deploy, False)])
        assert manage.get_permissions(INTERNAL_SERVICE, "deployer", controller_id="prod") == [(deploy, False)]
        assert manage.get_permissions(INTERNAL_SERVICE, "deployer", deploy, controller_id="prod") == [
            (deploy, False)
        ]
        assert manage.set_folder_permissions(
            INTERNAL_SERVICE, "deployer", "prod", [Folder(folder_path="/apps")]
        )
        [folder] = manage.get_folder_permissions(INTERNAL_SERVICE, "deployer", "prod")
        assert (folder.folder_path, folder.recursive) == ("/apps", True)
        account = Account(
            identity_service_name=INTERNAL_SERVICE,
            account_name="eve",
            password="eve-secret",
            roles=["deployer"],
        )
        assert manage.store_account(account)
        [eve] = manage.get_accounts(INTERNAL_SERVICE, filter_account_name="eve")
        assert (eve.account_name, eve.roles, eve.disabled) == ("eve", ["deployer"], False)
        permissions = manage.get_account_permissions(INTERNAL_SERVICE, "eve")
        assert permissions["controllers"]["prod"]["deployments"]["deploy"] is True
        assert permissions["controller_defaults"]["deployments"]["deploy"] is False
        assert Joc(cockpit.url).login("eve", "eve-secret").status == 200
        assert manage.block_account("eve", comment="on leave")
        assert [b.account_name for b in manage.get_blocked_accounts()] == ["eve"]
        assert manage.remove_accounts(INTERNAL_SERVICE, ["eve"])
        assert manage.get_accounts(INTERNAL_SERVICE, filter_account_name="eve") == []
    finally:
        client._ctx.http_service.close()
