"""The emulator's Microsoft identity platform, checked with msal (a client we did not write).

msal needs HTTPS and, offline, ``instance_discovery=False``; the CA comes in
through a requests.Session with ``trust_env=False`` because the machine's
REQUESTS_CA_BUNDLE would otherwise win over ``verify``.
"""

from __future__ import annotations

import base64
import re
import ssl
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import msal
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from tests.emulators import running_emulator

TENANT_ID = "5f1c7a52-0d1e-4c55-9d3e-2b7a6f1e8a10"
SECRET_APP = "0b9d6c1e-3c7e-4c7a-8f3e-0d2c5b9a7e11"
CERT_APP = "6a3e0f2c-5d4b-4f8e-9a1c-7b2d3e4f5a60"
SECRET = "a-secret-value"
GRAPH_SCOPE = ["https://graph.microsoft.com/.default"]


def _certificate() -> tuple[str, str]:
    """A private key and a self-signed certificate (PEM), as an admin would upload."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "connector")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def app_certificate() -> tuple[str, str]:
    return _certificate()


@pytest.fixture(scope="module")
def tenant_dir(tmp_path_factory: pytest.TempPathFactory, app_certificate: tuple[str, str]) -> Path:
    root = tmp_path_factory.mktemp("identity-tenant")
    (root / "app-cert.pem").write_text(app_certificate[1])
    (root / "tenant.toml").write_text(
        f'tenant_id = "{TENANT_ID}"\ndomain = "contoso.example"\nnetbios_name = "CONTOSO"\n\n'
        f'[[applications]]\nclient_id = "{SECRET_APP}"\nclient_secret = "{SECRET}"\n'
        'permissions = ["User.Read.All"]\n\n'
        f'[[applications]]\nclient_id = "{CERT_APP}"\nclient_certificate = "app-cert.pem"\n'
        'permissions = ["User.Read.All", "Mail.Read"]\n\n'
        '[[users]]\nmail = "alice@contoso.example"\n'
    )
    (root / "mailboxes" / "alice@contoso.example" / "inbox").mkdir(parents=True)
    return root


@pytest.fixture(scope="module")
def emulator(tenant_dir: Path) -> Iterator[dict[str, Any]]:
    with running_emulator(tenant_dir) as info:
        yield info


def _session(info: dict[str, Any]) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = info["ca_cert"]
    return session


def _msal(info: dict[str, Any], client_id: str, credential: Any, tenant: str = TENANT_ID,
          ) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        client_id, client_credential=credential, authority=f"{info['login_url']}/{tenant}",
        instance_discovery=False, http_client=_session(info),
    )


def _client(info: dict[str, Any]) -> httpx.Client:
    return httpx.Client(verify=ssl.create_default_context(cafile=info["ca_cert"]), trust_env=False)


def _graph_users(info: dict[str, Any], token: str) -> httpx.Response:
    with _client(info) as client:
        return client.get(f"{info['graph_url']}/users",
                          headers={"Authorization": f"Bearer {token}"})


def _token_error(info: dict[str, Any], form: dict[str, str], tenant: str = TENANT_ID,
                 ) -> httpx.Response:
    with _client(info) as client:
        return client.post(f"{info['login_url']}/{tenant}/oauth2/v2.0/token", data=form,
                           headers={"client-request-id": "3c8e4a1e-1111-4c1e-9a3e-000000000001"})


def test_msal_signs_in_with_a_client_secret_and_graph_accepts_the_token(emulator):
    app = _msal(emulator, SECRET_APP, SECRET)
    result = app.acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert result.get("token_type") == "Bearer", result
    assert 3500 <= result["expires_in"] <= 3599
    assert _graph_users(emulator, result["access_token"]).status_code == 200
    again = app.acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert again["token_source"] == "cache"


def test_msal_signs_in_by_tenant_domain(emulator):
    result = _msal(emulator, SECRET_APP, SECRET, tenant="contoso.example"
                   ).acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert "access_token" in result, result


@pytest.mark.parametrize("style", ["sha1 thumbprint (RS256)", "public certificate (PS256)"])
def test_msal_signs_in_with_a_certificate(emulator, app_certificate, style):
    key_pem, cert_pem = app_certificate
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    credential: dict[str, str] = {"private_key": key_pem}
    if style.startswith("sha1"):
        credential["thumbprint"] = cert.fingerprint(hashes.SHA1()).hex()
    else:
        credential["public_certificate"] = cert_pem
    result = _msal(emulator, CERT_APP, credential).acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert "access_token" in result, result
    assert _graph_users(emulator, result["access_token"]).status_code == 200


def test_a_certificate_the_app_does_not_have_is_refused(emulator):
    other_key, other_cert = _certificate()
    credential = {"private_key": other_key, "public_certificate": other_cert}
    result = _msal(emulator, CERT_APP, credential).acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [700027]


def _assert_aadsts(response: httpx.Response, status: int, error: str, code: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert re.fullmatch(
        rf"AADSTS{code}: .+\r\nTrace ID: [0-9a-f-]{{36}}\r\nCorrelation ID: "
        r"3c8e4a1e-1111-4c1e-9a3e-000000000001\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ",
        body["error_description"], re.DOTALL,
    ), body["error_description"]
    assert body["correlation_id"] == "3c8e4a1e-1111-4c1e-9a3e-000000000001"
    assert set(body) >= {"timestamp", "trace_id", "error_uri"}


def _form(**overrides: str) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_id": SECRET_APP,
            "client_secret": SECRET, "scope": GRAPH_SCOPE[0]}
    form.update(overrides)
    return form


def test_wrong_secret_is_invalid_client_7000215(emulator):
    _assert_aadsts(_token_error(emulator, _form(client_secret="nope")), 401, "invalid_client",
                   7000215)
    result = _msal(emulator, SECRET_APP, "nope").acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert result["error"] == "invalid_client"
    assert "nope" not in str(result)


def test_unknown_client_is_unauthorized_client_700016(emulator):
    form = _form(client_id="11111111-2222-3333-4444-555555555555")
    _assert_aadsts(_token_error(emulator, form), 400, "unauthorized_client", 700016)


def test_unknown_tenant_is_invalid_request_90002(emulator):
    _assert_aadsts(_token_error(emulator, _form(), tenant="fabrikam.example"), 400,
                   "invalid_request", 90002)
    with pytest.raises(ValueError):
        _msal(emulator, SECRET_APP, SECRET, tenant="fabrikam.example")
    with _client(emulator) as client:
        config = client.get(
            f"{emulator['login_url']}/fabrikam.example/v2.0/.well-known/openid-configuration")
    assert config.status_code == 400 and config.json()["error"] == "invalid_tenant"


def test_unsupported_grant_is_70003(emulator):
    _assert_aadsts(_token_error(emulator, _form(grant_type="password")), 400,
                   "unsupported_grant_type", 70003)


def _assertion(app_certificate: tuple[str, str], audience: str, lifetime: int = 600) -> str:
    """A client assertion built with PyJWT, as the certificate-credentials page describes."""
    key_pem, cert_pem = app_certificate
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    thumbprint = base64.urlsafe_b64encode(cert.fingerprint(hashes.SHA256())).decode()
    now = int(time.time())
    claims = {"aud": audience, "iss": CERT_APP, "sub": CERT_APP, "jti": str(uuid.uuid4()),
              "nbf": now, "exp": now + lifetime}
    return jwt.encode(claims, key_pem, algorithm="PS256", headers={"x5t#S256": thumbprint})


@pytest.mark.parametrize(("audience", "lifetime", "accepted"), [
    ("{login}/contoso.example/oauth2/v2.0/token", 600, True),
    ("{login}/" + TENANT_ID + "/oauth2/v2.0/token", 600, True),
    ("https://login.microsoftonline.com/" + TENANT_ID + "/oauth2/v2.0/token", 600, False),
    ("{login}/" + TENANT_ID + "/oauth2/v2.0/token", -60, False),
])
def test_client_assertion_audience_and_expiry(emulator, app_certificate, audience, lifetime,
                                              accepted):
    assertion = _assertion(app_certificate, audience.format(login=emulator["login_url"]),
                           lifetime)
    form = _form(client_id=CERT_APP, client_assertion=assertion,
                 client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    del form["client_secret"]
    response = _token_error(emulator, form, tenant="contoso.example")
    if accepted:
        assert response.status_code == 200, response.text
        assert response.json()["token_type"] == "Bearer"
    else:
        _assert_aadsts(response, 401, "invalid_client", 700027)


def test_a_malformed_assertion_is_700027(emulator):
    form = _form(client_id=CERT_APP, client_assertion="not.a.jwt",
                 client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    del form["client_secret"]
    _assert_aadsts(_token_error(emulator, form), 401, "invalid_client", 700027)


def test_openid_configuration_names_the_documented_endpoints(emulator):
    with _client(emulator) as client:
        url = f"{emulator['login_url']}/contoso.example/v2.0/.well-known/openid-configuration"
        config = client.get(url).json()
        root = f"{emulator['login_url']}/{TENANT_ID}"
        assert config["token_endpoint"] == f"{root}/oauth2/v2.0/token"
        assert config["issuer"] == f"{root}/v2.0"
        assert config["authorization_endpoint"] == f"{root}/oauth2/v2.0/authorize"
        keys = client.get(config["jwks_uri"]).json()["keys"]
        assert keys and keys[0]["kty"] == "RSA"


def test_missing_and_garbage_tokens_get_invalid_authentication_token(emulator):
    with _client(emulator) as client:
        missing = client.get(f"{emulator['graph_url']}/users")
    garbage = _graph_users(emulator, "abc.def.ghi")
    for response in (missing, garbage):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_refused_with_401(tenant_dir):
    with running_emulator(tenant_dir, "--token-lifetime", "1") as info:
        result = _msal(info, SECRET_APP, SECRET).acquire_token_for_client(scopes=GRAPH_SCOPE)
        assert result["expires_in"] <= 1
        time.sleep(2.1)
        response = _graph_users(info, result["access_token"])
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "InvalidAuthenticationToken"
    assert "expired" in error["message"]
