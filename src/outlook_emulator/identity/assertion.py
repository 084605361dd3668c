"""Checks a client assertion (certificate credential) against the app's certificate.

"Microsoft identity platform application authentication certificate
credentials" (learn.microsoft.com/entra/identity-platform/certificate-credentials):
the assertion is a JWT signed with the certificate's private key, its header
names the certificate by ``x5t`` (SHA-1 thumbprint) or ``x5t#S256`` (SHA-256),
``aud`` is the token endpoint, ``iss`` and ``sub`` are the client id, and
``exp`` has not passed.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from outlook_emulator.identity import errors, jwt
from outlook_emulator.tenant.model import Application

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _thumbprints(cert: x509.Certificate) -> dict[str, str]:
    return {
        # SHA-1 here is the protocol's choice (x5t), not ours.
        "x5t": jwt.b64url_encode(cert.fingerprint(hashes.SHA1())),
        "x5t#S256": jwt.b64url_encode(cert.fingerprint(hashes.SHA256())),
    }


def _certificate(app: Application) -> x509.Certificate:
    if not app.certificate_pem:
        raise errors.bad_assertion("no certificate is registered for this application.")
    return x509.load_pem_x509_certificate(app.certificate_pem.encode())


def check_assertion(
    app: Application, assertion: str, token_endpoints: list[str], now: int
) -> None:
    """Raise AadstsError (AADSTS700027) unless the assertion proves possession of the key."""
    try:
        parsed = jwt.parse(assertion)
    except jwt.JwtError as exc:
        raise errors.bad_assertion("the assertion is not a well-formed JWT.") from exc
    cert = _certificate(app)
    known = _thumbprints(cert)
    # Padding is optional in the header (msal sends it), so compare without it.
    named = {k: str(parsed.header[k]).rstrip("=") for k in known if k in parsed.header}
    if not named or any(known[k] != v for k, v in named.items()):
        raise errors.bad_assertion(
            "Key was not found. The certificate named by the x5t header is not registered "
            "for this application."
        )
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise errors.bad_assertion("only RSA certificates are supported.")
    try:
        jwt.verify(parsed, public_key)
    except jwt.JwtError as exc:
        raise errors.bad_assertion("Client assertion failed signature validation.") from exc
    _check_claims(parsed.claims, app.client_id, token_endpoints, now)


def _check_claims(
    claims: dict[str, object], client_id: str, endpoints: list[str], now: int
) -> None:
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise errors.bad_assertion("iss and sub must both be the client id.")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if not any(e.lower() == str(a).lower() for e in endpoints for a in audiences):
        raise errors.bad_assertion(f"The audience must be '{endpoints[0]}'.")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now:
        raise errors.bad_assertion("The client assertion has expired.")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and nbf > now + 300:
        raise errors.bad_assertion("The client assertion is not yet valid.")
