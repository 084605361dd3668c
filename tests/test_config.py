"""Configuration: seed key names, environment overrides, every problem named at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from outlook_connector.config import ConfigError, Secret, load_config

CLOUD_TOML = """
tenant_id = "5f1c7a52-0d1e-4c55-9d3e-2b7a6f1e8a10"
client_id = "0b9d6c1e-3c7e-4c7a-8f3e-0d2c5b9a7e11"
client_secret = "super-secret-value"
mailboxes = ["Alice@Contoso.example"]

[index]
path = "idx.db"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "outlook.toml"
    path.write_text(text)
    return path


def test_cloud_defaults_and_values(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, CLOUD_TOML), environ={})
    assert config.data_source == "outlook_cloud"
    assert config.graph_url == "https://graph.microsoft.com/v1.0"
    assert config.login_url == "https://login.microsoftonline.com"
    assert config.mailboxes == ["alice@contoso.example"]
    assert config.index.path == "idx.db"
    assert isinstance(config.client_secret, Secret)
    assert config.client_secret.reveal() == "super-secret-value"


def test_secret_never_in_repr_or_errors(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, CLOUD_TOML), environ={})
    assert "super-secret-value" not in repr(config)
    assert "super-secret-value" not in str(config)
    bad = CLOUD_TOML.replace('client_id = "0b9d6c1e-3c7e-4c7a-8f3e-0d2c5b9a7e11"', "client_id = 5")
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, bad), environ={})
    assert "super-secret-value" not in str(err.value)


def test_environment_overrides_every_key(tmp_path: Path) -> None:
    env = {
        "OUTLOOK_CLIENT_SECRET": "from-env",
        "OUTLOOK_MAILBOXES": "a@x.example, b@x.example",
        "OUTLOOK_PAGE_SIZE": "50",
        "OUTLOOK_INDEX_PATH": "other.db",
    }
    config = load_config(write(tmp_path, CLOUD_TOML), environ=env)
    assert config.client_secret is not None and config.client_secret.reveal() == "from-env"
    assert config.mailboxes == ["a@x.example", "b@x.example"]
    assert config.page_size == 50
    assert config.index.path == "other.db"


def test_environment_alone_is_enough() -> None:
    env = {"OUTLOOK_TENANT_ID": "t", "OUTLOOK_CLIENT_ID": "c", "OUTLOOK_CLIENT_SECRET": "s"}
    assert load_config(None, environ=env).client_id == "c"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = """
data_source = "outlook_cloud"
client_secrte = "x"
page_size = "lots"
graph_url = "http://graph.example/v1.0"
[index]
pth = "x.db"
"""
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), environ={})
    problems = "\n".join(err.value.problems)
    assert "tenant_id: required" in problems
    assert "client_id: required" in problems
    assert "client_secrte: unknown setting (did you mean 'client_secret'?)" in problems
    assert "index.pth: unknown setting (did you mean 'index.path'?)" in problems
    assert "page_size: must be a number" in problems
    assert "graph_url: must be an https:// URL" in problems


def test_server_requires_its_keys_and_a_ca_when_verifying(tmp_path: Path) -> None:
    text = 'data_source = "outlook_server"\nexchange_server = "mail.contoso.example"\nssl_enabled = true\n'
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), environ={})
    problems = "\n".join(err.value.problems)
    for key in ("active_directory_server", "username", "password", "domain", "ssl_ca"):
        assert f"{key}:" in problems


def test_unknown_data_source_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, 'data_source = "outlook_onprem"\n'), environ={})
    assert "data_source: 'outlook_onprem' is not one of outlook_cloud, outlook_server" in str(
        err.value
    )


def test_ssl_ca_must_parse(tmp_path: Path) -> None:
    bad_ca = tmp_path / "ca.pem"
    bad_ca.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    text = CLOUD_TOML + "\n"
    text = text.replace("[index]", f'ssl_ca = "{bad_ca.name}"\n[index]')
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), environ={})
    assert "ssl_ca: not a valid PEM certificate" in str(err.value)


def test_ssl_ca_path_is_read_relative_to_the_file(tmp_path: Path) -> None:
    from tests.certificates import make_ca_pem

    (tmp_path / "ca.pem").write_text(make_ca_pem())
    text = CLOUD_TOML.replace("[index]", 'ssl_ca = "ca.pem"\n[index]')
    config = load_config(write(tmp_path, text), environ={})
    assert config.ssl_ca is not None and config.ssl_ca.startswith("-----BEGIN CERTIFICATE-----")


def test_certificate_credentials_need_both_files(tmp_path: Path) -> None:
    text = CLOUD_TOML.replace(
        'client_secret = "super-secret-value"', 'client_certificate = "cert.pem"'
    )
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), environ={})
    problems = "\n".join(err.value.problems)
    assert "client_certificate_key: required together" in problems
    assert "client_certificate: file not found" in problems


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "nope.toml", environ={})
    assert "file not found" in str(err.value)
