"""EWS through `outlook-emulator serve`: HTTPS with the emulator's own CA, NTLM, impersonation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from ews_schema import problems
from exchangelib import IMPERSONATION, NTLM, Account, Configuration, Credentials
from exchangelib.protocol import BaseProtocol, close_connections
from requests.adapters import HTTPAdapter
from test_ews_exchangelib import ALICE, PASSWORD, write_tenant
from tests.emulators import running_emulator


def adapter_trusting(ca_cert: str) -> type[HTTPAdapter]:
    """An HTTP adapter that verifies the server against ``ca_cert`` and nothing else."""

    class TrustingAdapter(HTTPAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            kwargs["verify"] = ca_cert
            return super().send(request, **kwargs)

    return TrustingAdapter


def test_exchangelib_over_https_against_the_served_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator(write_tenant(tmp_path), "--no-throttling") as info:
        monkeypatch.setattr(BaseProtocol, "HTTP_ADAPTER_CLS", adapter_trusting(info["ca_cert"]))
        config = Configuration(
            service_endpoint=info["ews_url"],
            credentials=Credentials("CONTOSO\\svc-search", PASSWORD),
            auth_type=NTLM,
        )
        try:
            account = Account(ALICE, config=config, autodiscover=False, access_type=IMPERSONATION)
            assert account.inbox.total_count == 2
            assert {m.subject for m in account.inbox.all()} == {
                "Quarterly report",
                "Planning meeting",
            }
            changes = list(account.calendar.sync_items(max_changes_returned=2))
            assert len(changes) == 3  # two singles and a series; its exception lives inside it
        finally:
            close_connections()

        # A raw request over the same TLS endpoint answers schema-valid EWS.
        session = requests.Session()
        session.trust_env = False
        body = (
            '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
            'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Header>'
            '<t:RequestServerVersion Version="Exchange2016"/></s:Header><s:Body><m:GetFolder>'
            "<m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds>"
            '<t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder></s:Body></s:Envelope>'
        )
        response = session.post(
            info["ews_url"],
            data=body.encode(),
            headers={"Content-Type": "text/xml; charset=utf-8"},
            auth=("svc-search@contoso.example", PASSWORD),
            verify=info["ca_cert"],
            timeout=30,
        )
        assert response.status_code == 200
        assert problems(response.content) == []
