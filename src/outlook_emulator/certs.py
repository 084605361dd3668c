"""A throwaway certificate authority and server certificate for the emulator's HTTPS.

Microsoft's endpoints are HTTPS only, and clients such as msal refuse plain
HTTP authorities, so the emulator makes a fresh CA at start, issues a server
certificate for the host it listens on (plus 127.0.0.1 and localhost), and
tells clients where the CA file is. Nothing is reused between runs.
"""

from __future__ import annotations

import ipaddress
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_KEY_SIZE = 2048
_VALIDITY = timedelta(days=7)


@dataclass
class ServerCertificates:
    """PEM files of the CA and the server certificate in a private temporary folder."""

    folder: Path
    ca_cert: Path
    server_cert: Path
    server_key: Path

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.server_cert, self.server_key)
        return context

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=_KEY_SIZE)


def _names(host: str) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for value in dict.fromkeys([host, "127.0.0.1", "localhost"]):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(value)))
        except ValueError:
            names.append(x509.DNSName(value))
    return names


def _ca(key: rsa.RSAPrivateKey, now: datetime) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Outlook emulator test CA")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _leaf(
    host: str, key: rsa.RSAPrivateKey, ca: x509.Certificate, ca_key: rsa.RSAPrivateKey,
    now: datetime,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.SubjectAlternativeName(_names(host)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def create_server_certificates(host: str) -> ServerCertificates:
    """Make a CA and a server certificate for ``host``; the caller removes them."""
    now = datetime.now(UTC)
    ca_key, key = _new_key(), _new_key()
    ca = _ca(ca_key, now)
    leaf = _leaf(host, key, ca, ca_key, now)
    folder = Path(tempfile.mkdtemp(prefix="outlook-emulator-tls-"))
    files = ServerCertificates(
        folder=folder,
        ca_cert=folder / "ca.pem",
        server_cert=folder / "server.pem",
        server_key=folder / "server-key.pem",
    )
    files.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    # The chain file carries the CA too, so clients that only trust the CA can build the path.
    files.server_cert.write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    )
    files.server_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.server_key.chmod(0o600)
    return files
