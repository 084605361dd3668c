"""The Microsoft identity platform (v2.0 endpoints) for the client credentials grant.

Implements, for one tenant:
- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` ("OpenID Connect on the
  Microsoft identity platform", learn.microsoft.com/entra/identity-platform/v2-protocols-oidc);
- ``GET /{tenant}/discovery/v2.0/keys`` (the signing keys it names);
- ``POST /{tenant}/oauth2/v2.0/token`` with ``grant_type=client_credentials``, a
  client secret (in the body or HTTP Basic) or a certificate assertion ("OAuth 2.0
  client credentials flow",
  learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).

``{tenant}`` is the tenant id or its domain.
"""

from __future__ import annotations

import base64
import hmac
import re
from urllib.parse import parse_qsl, unquote

from outlook_emulator.http import Request, Response
from outlook_emulator.identity import errors
from outlook_emulator.identity.assertion import ASSERTION_TYPE, check_assertion
from outlook_emulator.identity.tokens import GRAPH_RESOURCE, TokenService
from outlook_emulator.tenant.model import Application, Tenant

_PATH = re.compile(
    r"^/(?P<tenant>[^/]+)/(?P<what>v2\.0/\.well-known/openid-configuration"
    r"|oauth2/v2\.0/token|discovery/v2\.0/keys)$"
)
# Resources an app may ask a token for here: Graph, and Exchange Online (EWS with OAuth).
_RESOURCES = (GRAPH_RESOURCE, "https://outlook.office365.com", "https://outlook.office.com")
_NO_STORE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}


class IdentityApp:
    """Serves the login endpoints of one tenant."""

    def __init__(self, tenant: Tenant, tokens: TokenService) -> None:
        self.tenant = tenant
        self.tokens = tokens

    def handles(self, request: Request) -> bool:
        return _PATH.match(request.path) is not None

    def __call__(self, request: Request) -> Response:
        match = _PATH.match(request.path)
        assert match is not None
        what = match["what"]
        if not self._known_tenant(match["tenant"]):
            error = errors.unknown_tenant(match["tenant"])
            if what != "oauth2/v2.0/token":  # the discovery documents name the error so
                error = errors.AadstsError(error.status, "invalid_tenant", error.code, error.text)
            return errors.error_response(error, request)
        if what.startswith("v2.0"):
            return Response.json(self.openid_configuration(request.base_url))
        if what.startswith("discovery"):
            return Response.json(self.tokens.jwks())
        if request.method != "POST":
            return Response.json({"error": "invalid_request"}, status=405)
        try:
            return self._token(request)
        except errors.AadstsError as exc:
            return errors.error_response(exc, request)

    def _known_tenant(self, name: str) -> bool:
        return name.lower() in (self.tenant.tenant_id.lower(), self.tenant.domain.lower())

    def openid_configuration(self, base_url: str) -> dict[str, object]:
        root = f"{base_url}/{self.tenant.tenant_id}"
        return {
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post", "private_key_jwt", "client_secret_basic",
            ],
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{root}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{base_url}/oidc/userinfo",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
                "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time",
                "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash",
                "c_hash", "email",
            ],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
        }

    def _token(self, request: Request) -> Response:
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        basic_id, basic_secret = _basic_auth(request)
        grant_type = form.get("grant_type", "")
        if not grant_type:
            raise errors.missing_parameter("grant_type")
        if grant_type != "client_credentials":
            raise errors.unsupported_grant(grant_type)
        client_id = form.get("client_id") or basic_id
        if not client_id:
            raise errors.missing_parameter("client_id")
        app = self.tenant.application(client_id)
        if app is None:
            raise errors.unknown_client(client_id, self.tenant.tenant_id)
        resource = self._resource(form.get("scope", ""), request.base_url)
        # The assertion's audience is the token endpoint, named by tenant id or by domain.
        endpoints = [f"{request.base_url}/{name}/oauth2/v2.0/token"
                     for name in (self.tenant.tenant_id, self.tenant.domain)]
        kind = self._authenticate(app, form, basic_secret, endpoints)
        token = self.tokens.issue(app, resource, kind)
        body = {
            "token_type": "Bearer",
            "expires_in": self.tokens.lifetime,
            "ext_expires_in": self.tokens.lifetime,
            "access_token": token,
        }
        return Response.json(body, headers=_NO_STORE)

    def _resource(self, scope: str, own_root: str) -> str:
        if not scope:
            raise errors.missing_parameter("scope")
        scopes = scope.split()
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            raise errors.invalid_scope(scope)
        resource = scopes[0][: -len("/.default")]
        if resource.rstrip("/") == own_root:
            # In every Microsoft cloud, Graph's resource URI is that cloud's Graph
            # root (https://graph.microsoft.us for US Government, ...); here the
            # Graph root is this server, so its own address names Graph too.
            return GRAPH_RESOURCE
        if resource not in _RESOURCES:
            raise errors.unknown_resource(resource, self.tenant.tenant_id)
        return resource

    def _authenticate(
        self, app: Application, form: dict[str, str], basic_secret: str | None,
        endpoints: list[str],
    ) -> str:
        assertion = form.get("client_assertion")
        if assertion is not None:
            if form.get("client_assertion_type") != ASSERTION_TYPE:
                raise errors.bad_assertion("client_assertion_type must be " + ASSERTION_TYPE)
            check_assertion(app, assertion, endpoints, self.tokens.now())
            return "certificate"
        secret = form.get("client_secret", basic_secret)
        if secret is None:
            raise errors.missing_credential()
        # Compare in constant time: the secret must not leak through response timing.
        expected = app.client_secret or ""
        if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
            raise errors.invalid_secret(app.client_id)
        return "secret"


def _basic_auth(request: Request) -> tuple[str | None, str | None]:
    value = request.header("authorization") or ""
    if not value.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(value[6:].strip()).decode("utf-8")
    except ValueError:
        return None, None
    user, _, password = decoded.partition(":")
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    return unquote(user.replace("+", " ")), unquote(password.replace("+", " "))
