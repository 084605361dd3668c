"""Which Debian packages each directory back end needs, and which are missing."""

from __future__ import annotations

import shutil
import subprocess

SAMBA_PACKAGES = (
    "samba",
    "samba-ad-dc",
    "samba-ad-provision",
    "samba-dsdb-modules",
    "python3-samba",
)
SLAPD_PACKAGES = ("slapd", "ldap-utils")

INSTALL_HINT = "scripts/install-system-packages (run as root) installs them"


class DirectoryPackagesMissing(RuntimeError):
    """No directory server can run here because Debian packages are not installed."""


def missing_packages(packages: tuple[str, ...]) -> list[str]:
    if shutil.which("dpkg-query") is None:
        return list(packages)
    return [pkg for pkg in packages if not _installed(pkg)]


def _installed(package: str) -> bool:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0 and result.stdout.strip() == "install ok installed"


def missing_message(backend: str, missing: list[str]) -> str:
    return (
        f"cannot start the {backend} directory server: missing Debian packages "
        f"{' '.join(missing)}; {INSTALL_HINT}"
    )
