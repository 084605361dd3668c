"""Access tokens for Graph: OAuth2 client credentials through MSAL.

One provider per source. MSAL keeps the token in its in-memory cache and
asks for a new one when less than five minutes of it are left; a lock makes
sure that threads needing a token at the same moment cause one sign-in, not
several. Failures become ``SourceError`` messages that name the problem and
never contain the secret, the token or the private key.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from pathlib import Path
from typing import Any

import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from outlook_connector.config import Secret

from ..base import SourceError
from ..proxies import environment_proxies
from .settings import GraphSettings


def certificate_credential(cert_path: str, key_path: str) -> dict[str, str]:
    """MSAL's certificate credential from a certificate PEM file and a private key PEM file."""
    try:
        cert_pem = Path(cert_path).read_bytes()
        key_pem = Path(key_path).read_bytes()
    except OSError as exc:
        raise SourceError(
            f"cannot read the client certificate: {exc.strerror}: {exc.filename}"
        ) from None
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
        # Loading checks that the key is a readable, unencrypted PEM key.
        serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        kind = "certificate" if "cert" in str(exc).lower() else "certificate or its key"
        raise SourceError(f"the client {kind} is not a valid unencrypted PEM file") from None
    thumbprint = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return {
        "private_key": key_pem.decode("ascii"),
        "thumbprint": thumbprint.upper(),
        "public_certificate": cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    }


def _credential(settings: GraphSettings) -> str | dict[str, str]:
    if settings.client_certificate and settings.client_certificate_key:
        return certificate_credential(settings.client_certificate, settings.client_certificate_key)
    secret = settings.client_secret
    if secret is not None:
        return secret.reveal() if isinstance(secret, Secret) else secret
    raise SourceError("no client credential: give a client secret or a client certificate and key")


_AADSTS = re.compile(r"AADSTS(\d+)")


def sign_in_error(result: dict[str, Any], settings: GraphSettings) -> SourceError:
    """A message for a failed token request, from its AADSTS code."""
    codes = [int(c) for c in result.get("error_codes") or []]
    description = str(result.get("error_description") or "")
    if not codes:
        codes = [int(m) for m in _AADSTS.findall(description)]
    code = codes[0] if codes else None
    tenant, client = settings.tenant_id, settings.client_id
    known = {
        7000215: "sign-in failed: the client secret is wrong",
        7000222: "sign-in failed: the client secret has expired",
        90002: f"sign-in failed: tenant '{tenant}' not found",
        900023: f"sign-in failed: '{tenant}' is not a valid tenant id",
        700016: f"sign-in failed: application '{client}' is not registered in the tenant",
        700027: "sign-in failed: the client certificate is not registered for the application",
        700024: "sign-in failed: the client assertion is not within its valid time range",
        7000218: "sign-in failed: no client secret or certificate was sent",
        500011: "sign-in failed: the resource (Microsoft Graph) is not known in the tenant",
    }
    if code in known:
        return SourceError(f"{known[code]} (AADSTS{code})")
    # Keep the first sentence only: the rest is trace and correlation ids.
    first = description.split("\r\n")[0].split("\n")[0].strip()
    suffix = f" (AADSTS{code})" if code is not None else ""
    return SourceError(f"sign-in failed: {result.get('error', 'error')}: {first}{suffix}")


class TokenProvider:
    """Thread-safe access tokens for one application in one tenant."""

    def __init__(self, settings: GraphSettings, ca_bundle_path: str) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._current: tuple[str, float] | None = None  # (token, renew after; monotonic)
        self._http = requests.Session()
        # requests lets REQUESTS_CA_BUNDLE and friends override ``verify``; the
        # source decides what it trusts, so the environment is not consulted.
        self._http.trust_env = False
        self._http.proxies = environment_proxies(settings.authority)
        self._http.verify = ca_bundle_path
        self._app: msal.ConfidentialClientApplication | None = None

    def token(self, *, force_refresh: bool = False) -> str:
        # Every request asks for the token: answer from memory while it is fresh,
        # and take the lock (and MSAL's cache) only to get a new one.
        cached = self._current
        if not force_refresh and cached is not None and time.monotonic() < cached[1]:
            return cached[0]
        with self._lock:
            app = self._application()
            if force_refresh:
                self._forget_tokens(app)
            try:
                result = app.acquire_token_for_client(scopes=[self._settings.scope])
            except requests.RequestException as exc:
                raise self._unreachable(exc) from None
            if not result or "access_token" not in result:
                raise sign_in_error(result or {}, self._settings)
            token = str(result["access_token"])
            lifetime = float(result.get("expires_in") or 0)
            # Renewed a little early, so that no request leaves with a token about to expire.
            self._current = (token, time.monotonic() + lifetime - min(300.0, lifetime / 2))
            return token

    def close(self) -> None:
        self._http.close()

    def _application(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            settings = self._settings
            try:
                self._app = msal.ConfidentialClientApplication(
                    settings.client_id,
                    client_credential=_credential(settings),
                    authority=settings.authority,
                    http_client=self._http,
                    timeout=settings.request_timeout,
                    # Discovery validates Microsoft's clouds; other hosts have none.
                    instance_discovery=None if settings.is_known_cloud else False,
                )
            except requests.RequestException as exc:
                raise self._unreachable(exc) from None
            except ValueError as exc:
                raise self._bad_authority(exc) from None
        return self._app

    def _forget_tokens(self, app: msal.ConfidentialClientApplication) -> None:
        cache = app.token_cache
        for entry in list(cache.search(cache.CredentialType.ACCESS_TOKEN)):
            cache.remove_at(entry)

    def _unreachable(self, exc: requests.RequestException) -> SourceError:
        if isinstance(exc, requests.exceptions.ProxyError):
            return SourceError(
                f"cannot reach the sign-in service at {self._settings.login_url}: the proxy "
                "refused the connection; check HTTPS_PROXY and NO_PROXY"
            )
        kind = (
            "certificate not trusted"
            if isinstance(exc, requests.exceptions.SSLError)
            else (type(exc).__name__)
        )
        return SourceError(
            f"cannot reach the sign-in service at {self._settings.login_url}: {kind}"
        )

    def _bad_authority(self, exc: ValueError) -> SourceError:
        text = str(exc)
        if "authority configuration" in text or "tenant" in text.lower():
            return SourceError(
                f"sign-in failed: tenant '{self._settings.tenant_id}' not found at "
                f"{self._settings.login_url}"
            )
        return SourceError(f"sign-in is not possible with {self._settings.authority}: {text}")
