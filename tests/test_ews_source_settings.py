"""How the Exchange Server source reads its configuration."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from outlook_connector.sources.base import SourceError
from outlook_connector.sources.ews import EwsSource
from outlook_connector.sources.ews.settings import (
    EwsSettings,
    netbios_name,
    ntlm_username,
    service_endpoint,
)


class _Secret:
    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value


@dataclass
class _Config:
    exchange_server: str = "mail.contoso.example"
    active_directory_server: str = "dc1.contoso.example"
    username: str = "svc-search"
    password: _Secret = _Secret("s3cret-value")
    domain: str = "contoso.example"
    ssl_enabled: bool = True
    ssl_ca: str | None = None
    mailboxes: list[str] | None = None
    max_concurrent_mailboxes: int = 3
    request_timeout: float = 30.0
    page_size: int = 2000


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("mail.contoso.example", "https://mail.contoso.example/EWS/Exchange.asmx"),
        ("127.0.0.1:8443", "https://127.0.0.1:8443/EWS/Exchange.asmx"),
        ("https://mail.contoso.example", "https://mail.contoso.example/EWS/Exchange.asmx"),
        ("https://mail.example/ews/exchange.asmx", "https://mail.example/ews/exchange.asmx"),
        ("http://127.0.0.1:8080/EWS/Exchange.asmx", "http://127.0.0.1:8080/EWS/Exchange.asmx"),
    ],
)
def test_exchange_server_becomes_the_ews_url(given: str, url: str) -> None:
    assert service_endpoint(given) == url


def test_a_bad_exchange_server_is_refused() -> None:
    with pytest.raises(ValueError):
        service_endpoint("  ")
    with pytest.raises(ValueError):
        service_endpoint("ftp://mail.example")


def test_ntlm_user_name() -> None:
    assert netbios_name("contoso.example") == "CONTOSO"
    assert netbios_name("averyveryverylongname.example") == "AVERYVERYVERYLO"
    assert ntlm_username("svc", "CONTOSO") == "CONTOSO\\svc"
    assert ntlm_username("OTHER\\svc", "CONTOSO") == "OTHER\\svc"
    assert ntlm_username("svc@contoso.example", "CONTOSO") == "svc@contoso.example"


def test_from_config_reads_the_shared_configuration() -> None:
    settings = EwsSettings.from_config(_Config(mailboxes=[" Alice@Contoso.example ", ""]))
    assert settings.service_endpoint == "https://mail.contoso.example/EWS/Exchange.asmx"
    assert settings.ntlm_username == "CONTOSO\\svc-search"
    assert settings.secret == "s3cret-value"
    assert settings.mailboxes == ("alice@contoso.example",)
    assert settings.sync_page_size == 512  # SyncFolderItems' limit
    assert settings.ssl_enabled is True
    assert settings.request_timeout == 30.0


def test_the_password_never_shows() -> None:
    settings = EwsSettings.from_config(_Config())
    assert "s3cret-value" not in repr(settings)
    assert "s3cret-value" not in str(settings)


def test_ssl_ca_may_be_pem_text_or_a_file(tmp_path: Path) -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    assert EwsSettings.from_config(_Config(ssl_ca=pem)).ssl_ca == pem
    (tmp_path / "ca.pem").write_text(pem, encoding="ascii")
    assert EwsSettings.from_config(_Config(ssl_ca=str(tmp_path / "ca.pem"))).ssl_ca == pem


def test_an_unusable_ssl_ca_is_a_clear_error() -> None:
    settings = EwsSettings.from_config(_Config(ssl_ca="not a certificate"))
    with pytest.raises(SourceError, match="ssl_ca does not hold a usable PEM certificate"):
        EwsSource(settings)


def test_a_plain_password_is_wrapped() -> None:
    settings = EwsSettings(exchange_server="mail.example", username="svc", password="pw-123")
    assert settings.secret == "pw-123"
    assert "pw-123" not in repr(settings)


def test_mailboxes_are_listed_without_loading_exchangelib() -> None:
    # A sync's main process lists mailboxes and hands them to worker processes:
    # it never reads a mailbox, so it never pays for loading exchangelib.
    code = (
        "import sys\n"
        "from outlook_connector.sources.ews import EwsSettings, EwsSource\n"
        "source = EwsSource(EwsSettings(exchange_server='mail.example', username='svc',\n"
        "                               password='pw', mailboxes=['a@x.example']))\n"
        "assert [m.address for m in source.mailboxes()] == ['a@x.example']\n"
        "source.close()\n"
        "print('exchangelib' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
