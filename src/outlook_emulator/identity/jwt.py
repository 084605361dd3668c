"""JSON Web Tokens (RFC 7519) signed with RSA, enough for the client credentials flow.

The identity platform signs access tokens with RS256 and accepts client
assertions signed with RS256 (``x5t``) or PS256 (``x5t#S256``), as described in
"Microsoft identity platform application authentication certificate
credentials" (learn.microsoft.com/entra/identity-platform/certificate-credentials).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class JwtError(ValueError):
    """The token is not a well-formed JWT or its signature does not verify."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise JwtError("not base64url") from exc


@dataclass(frozen=True)
class Jwt:
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def _padding(alg: str) -> padding.AsymmetricPadding:
    if alg == "RS256":
        return padding.PKCS1v15()
    if alg == "PS256":
        return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    raise JwtError(f"unsupported algorithm {alg!r}")


def encode(claims: dict[str, Any], key: rsa.RSAPrivateKey, headers: dict[str, Any]) -> str:
    header = {"typ": "JWT", "alg": "RS256", **headers}
    signing_input = ".".join(
        b64url_encode(json.dumps(part, separators=(",", ":")).encode())
        for part in (header, claims)
    )
    signature = key.sign(signing_input.encode("ascii"), _padding(header["alg"]), hashes.SHA256())
    return f"{signing_input}.{b64url_encode(signature)}"


def parse(token: str) -> Jwt:
    """Split and decode a compact JWS without verifying it."""
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtError("a JWT has three parts")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise JwtError("header or claims are not JSON") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JwtError("header and claims must be JSON objects")
    return Jwt(header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), b64url_decode(parts[2]))


def verify(jwt: Jwt, public_key: rsa.RSAPublicKey) -> None:
    """Raise JwtError unless ``jwt`` is signed by the key's private half."""
    alg = str(jwt.header.get("alg", ""))
    try:
        public_key.verify(jwt.signature, jwt.signing_input, _padding(alg), hashes.SHA256())
    except InvalidSignature as exc:
        raise JwtError("signature does not verify") from exc
