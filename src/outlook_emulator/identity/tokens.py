"""Access tokens for applications: issued by the token endpoint, checked by Graph.

Tokens are JWTs shaped like the v1.0 app-only access tokens Entra ID issues
for Microsoft Graph ("Access token claims reference",
learn.microsoft.com/entra/identity-platform/access-token-claims-reference):
``aud``, ``iss``, ``tid``, ``appid``, ``appidacr``, ``idtyp=app``, ``roles``
(the application permissions granted), ``iat``/``nbf``/``exp``. The signing
key is made at start, so tokens of an earlier run never validate.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from outlook_emulator.identity import jwt
from outlook_emulator.tenant.model import Application

GRAPH_RESOURCE = "https://graph.microsoft.com"
DEFAULT_LIFETIME = 3599
# The well-known service principal of Microsoft Graph, which Graph names in WWW-Authenticate.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


class TokenRejected(Exception):
    """Why a bearer token is not accepted; the message is the one Graph answers with."""


@dataclass(frozen=True)
class AccessToken:
    tenant_id: str
    client_id: str
    roles: frozenset[str]
    expires_at: int


class TokenService:
    """Issues and validates the emulator's access tokens."""

    def __init__(
        self,
        tenant_id: str,
        lifetime: int = DEFAULT_LIFETIME,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tenant_id = tenant_id
        self.lifetime = lifetime
        self._clock = clock
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_id = jwt.b64url_encode(uuid.uuid4().bytes)

    def now(self) -> int:
        return int(self._clock())

    def issue(self, app: Application, resource: str, credential_kind: str) -> str:
        now = self.now()
        claims = {
            "aud": resource,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime,
            "appid": app.client_id,
            # 1: client secret, 2: certificate, as the claims reference defines appidacr.
            "appidacr": "2" if credential_kind == "certificate" else "1",
            "idtyp": "app",
            "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{app.client_id}")),
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{app.client_id}")),
            "roles": sorted(app.permissions),
            "tid": self.tenant_id,
            "uti": jwt.b64url_encode(uuid.uuid4().bytes),
            "ver": "1.0",
        }
        return jwt.encode(claims, self._key, {"kid": self.key_id, "x5t": self.key_id})

    def jwks(self) -> dict[str, object]:
        numbers = self._key.public_key().public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        key = {"kty": "RSA", "use": "sig", "kid": self.key_id, "x5t": self.key_id,
               "n": jwt.b64url_encode(n), "e": jwt.b64url_encode(e)}
        return {"keys": [key]}

    def validate(self, token: str, resource: str = GRAPH_RESOURCE) -> AccessToken:
        """The token's grant, or TokenRejected with Graph's message for why not."""
        if not token:
            raise TokenRejected("Access token is empty.")
        try:
            parsed = jwt.parse(token)
            jwt.verify(parsed, self._key.public_key())
        except jwt.JwtError as exc:
            raise TokenRejected("Access token validation failure.") from exc
        claims = parsed.claims
        if claims.get("aud") != resource:
            raise TokenRejected("Access token validation failure. Invalid audience.")
        if claims.get("tid") != self.tenant_id:
            raise TokenRejected("Access token validation failure. Invalid issuer.")
        now = self.now()
        expires_at = int(claims.get("exp", 0))
        if now >= expires_at or now < int(claims.get("nbf", 0)):
            raise TokenRejected("Lifetime validation failed, the token is expired.")
        return AccessToken(
            tenant_id=self.tenant_id,
            client_id=str(claims.get("appid", "")),
            roles=frozenset(claims.get("roles", [])),
            expires_at=expires_at,
        )
