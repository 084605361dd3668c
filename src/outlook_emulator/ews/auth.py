"""Who is calling: Basic and NTLM against the tenant's service account.

Exchange Server's EWS virtual directory offers NTLM (Windows authentication)
and, where enabled, Basic ("Authentication and EWS in Exchange",
office-developer-exchange-docs). A request without credentials, or with
wrong ones, gets 401 with the challenges the server supports.

NTLM authenticates a connection, not a request: the three-message handshake
(negotiate, challenge, authenticate, MS-NLMP) runs over one kept-alive
connection and its outcome is kept in ``Request.connection``.

Why the NTLM acceptor is written here rather than ``spnego.server()``:
pyspnego's acceptor only looks passwords up in the file named by the
process-wide ``NTLM_USER_FILE`` environment variable. Two emulators in one
process (tests do that) would then share, or race on, one credential file.
We use pyspnego's NTLM message and crypto primitives instead and verify the
client's NTLMv2 response and message integrity code (or, for old clients, the
NTLMv1 response) against the one account this emulator knows, so credentials
never leave the emulator object.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from dataclasses import dataclass
from typing import Any

from spnego._ntlm_raw.crypto import (
    compute_response_v1,
    compute_response_v2,
    hmac_md5,
    lmowfv1,
    ntowfv1,
    ntowfv2,
    rc4k,
)
from spnego._ntlm_raw.messages import (
    Authenticate,
    AvFlags,
    AvId,
    Challenge,
    FileTime,
    Negotiate,
    NegotiateFlags,
    NTClientChallengeV2,
    TargetInfo,
)

from outlook_emulator.tenant.model import ServiceAccount, Tenant

_NTLM_STATE = "ews.ntlm.challenge"
_NTLM_USER = "ews.ntlm.user"


@dataclass
class AuthResult:
    """The outcome of checking a request's ``Authorization`` header."""

    user: str | None  # the service account's user name when authenticated
    # An NTLM type-2 message to send back with 401, with the scheme the client used
    # ("NTLM" or "Negotiate" wrapping raw NTLM).
    challenge: str | None = None


class Authenticator:
    """Checks Basic and NTLM credentials against the tenant's service account."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant

    def challenges(self) -> str:
        """The ``WWW-Authenticate`` value of a 401: NTLM first, then Basic (RFC 7235 list)."""
        return f'NTLM, Basic realm="{self.tenant.domain}"'

    def authenticate(self, authorization: str | None, connection: dict[str, Any]) -> AuthResult:
        if authorization is None:
            return AuthResult(user=connection.get(_NTLM_USER))
        scheme, _, token = authorization.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            return AuthResult(user=self._basic(token.strip()))
        if scheme in ("ntlm", "negotiate"):
            result = self._ntlm(token.strip(), connection)
            if result.challenge is not None:
                label = "NTLM" if scheme == "ntlm" else "Negotiate"
                result.challenge = f"{label} {result.challenge}"
            return result
        return AuthResult(user=None)

    # -- Basic ------------------------------------------------------------

    def _basic(self, token: str) -> str | None:
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        name, sep, password = decoded.partition(":")
        account = self.tenant.service_account
        if not sep or account is None or not self._is_account(name, account):
            return None
        if not hmac.compare_digest(password.encode(), account.password.encode()):
            return None
        return account.username

    def _is_account(self, name: str, account: ServiceAccount) -> bool:
        """Accept ``NETBIOS\\user``, ``user@domain`` and plain ``user``, as Windows does."""
        name = name.lower()
        user = account.username.lower()
        if "\\" in name:
            domain, _, name = name.partition("\\")
            if domain not in (self.tenant.netbios_name.lower(), self.tenant.domain.lower()):
                return False
        elif "@" in name:
            name, _, domain = name.partition("@")
            if domain != self.tenant.domain.lower():
                return False
        return name == user

    # -- NTLM -------------------------------------------------------------

    def _ntlm(self, token: str, connection: dict[str, Any]) -> AuthResult:
        try:
            raw = base64.b64decode(token, validate=True)
        except binascii.Error:
            return AuthResult(user=None)
        message_type = int.from_bytes(raw[8:12], "little") if len(raw) >= 12 else 0
        if message_type == 1:
            connection.pop(_NTLM_USER, None)
            try:
                challenge = self._challenge(raw).pack()
            except Exception:  # a malformed token is a failed sign-in, not a server error
                return AuthResult(user=None)
            # The exact bytes of both messages go into the MIC of the third one.
            connection[_NTLM_STATE] = (raw, challenge)
            return AuthResult(user=None, challenge=base64.b64encode(challenge).decode())
        if message_type == 3:
            handshake = connection.pop(_NTLM_STATE, None)
            user = self._verify(raw, *handshake) if handshake is not None else None
            if user is None:
                connection.pop(_NTLM_USER, None)
            else:
                connection[_NTLM_USER] = user
            return AuthResult(user=user)
        return AuthResult(user=None)

    def _challenge(self, raw: bytes) -> Challenge:
        negotiate = Negotiate.unpack(raw)
        flags = (
            negotiate.flags
            | NegotiateFlags.request_target
            | NegotiateFlags.ntlm
            | NegotiateFlags.always_sign
            | NegotiateFlags.target_info
            | NegotiateFlags.target_type_domain
        )
        if flags & NegotiateFlags.unicode:
            flags &= ~NegotiateFlags.oem
        flags &= ~NegotiateFlags.version
        netbios = self.tenant.netbios_name.upper()
        info = TargetInfo()
        info[AvId.nb_domain_name] = netbios
        info[AvId.nb_computer_name] = "EXCH01"
        info[AvId.dns_domain_name] = self.tenant.domain
        info[AvId.dns_computer_name] = f"exch01.{self.tenant.domain}"
        info[AvId.timestamp] = FileTime.now()
        return Challenge(flags, os.urandom(8), target_name=netbios, target_info=info)

    def _verify(self, raw: bytes, negotiate: bytes, challenge: bytes) -> str | None:
        account = self.tenant.service_account
        try:
            auth = Authenticate.unpack(raw)
        except Exception:  # a malformed token is a failed sign-in, not a server error
            return None
        if account is None or not auth.user_name:
            return None
        name = f"{auth.domain_name}\\{auth.user_name}" if auth.domain_name else auth.user_name
        if not self._is_account(name, account):
            return None
        server_challenge = Challenge.unpack(challenge).server_challenge
        response = auth.nt_challenge_response or b""
        if len(response) > 24:
            ok = _verify_v2(auth, raw, negotiate, challenge, server_challenge, account.password)
        elif len(response) == 24:
            ok = _verify_v1(auth, server_challenge, account.password)
        else:
            ok = False
        return account.username if ok else None


def _verify_v2(
    auth: Authenticate,
    raw: bytes,
    negotiate: bytes,
    challenge: bytes,
    server_challenge: bytes,
    password: str,
) -> bool:
    """NTLMv2 (MS-NLMP 3.3.2), and the message integrity code when the client sent one."""
    response = auth.nt_challenge_response or b""
    key = ntowfv2(auth.user_name or "", ntowfv1(password), auth.domain_name)
    blob = NTClientChallengeV2.unpack(response[16:])
    expected, _, key_exchange_key = compute_response_v2(
        key, server_challenge, blob.challenge_from_client, blob.time_stamp, blob.av_pairs
    )
    if not hmac.compare_digest(expected, response):
        return False
    if not blob.av_pairs.get(AvId.flags, 0) & AvFlags.mic:
        return True
    session_key = key_exchange_key
    if auth.flags & NegotiateFlags.key_exch and auth.flags & (
        NegotiateFlags.sign | NegotiateFlags.seal
    ):
        session_key = rc4k(key_exchange_key, auth.encrypted_random_session_key or b"")
    sent_mic = auth.mic or b""
    auth.mic = b"\x00" * 16
    mic = hmac_md5(session_key, negotiate + challenge + auth.pack())
    return hmac.compare_digest(mic, sent_mic)


def _verify_v1(auth: Authenticate, server_challenge: bytes, password: str) -> bool:
    """NTLMv1, with or without extended session security (MS-NLMP 3.3.1)."""
    client_challenge = b"\x00" * 8
    if auth.flags & NegotiateFlags.extended_session_security:
        client_challenge = (auth.lm_challenge_response or b"\x00" * 8)[:8]
    expected, _, _ = compute_response_v1(
        auth.flags, ntowfv1(password), lmowfv1(password), server_challenge, client_challenge
    )
    return hmac.compare_digest(expected, auth.nt_challenge_response or b"")


def connection_user(connection: dict[str, Any]) -> str | None:
    """Who authenticated this kept-alive connection with NTLM, if anyone did."""
    user = connection.get(_NTLM_USER)
    return str(user) if user is not None else None
