"""The configuration: a TOML file, every key also settable from the environment.

Key names are those of the product we replace (``data_source``, ``tenant_id``,
``client_secret``, ``exchange_server``, ...). Everything is validated before
any network call, and every problem is reported at once. Secret values are
wrapped in :class:`Secret`, whose ``repr`` and ``str`` never show the value.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from outlook_connector.sync.advanced_rules import AdvancedRules, parse_advanced_rules
from outlook_connector.sync.rules import RuleSet, parse_rules

CLOUD = "outlook_cloud"
SERVER = "outlook_server"
DATA_SOURCES = (CLOUD, SERVER)
ENV_PREFIX = "OUTLOOK_"

DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_LOGIN_URL = "https://login.microsoftonline.com"
DEFAULT_INDEX_PATH = "./outlook-index.db"


class Secret:
    """A value that must never be printed: not in logs, errors or reprs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class ConfigError(Exception):
    """The configuration is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class IndexConfig:
    path: str = DEFAULT_INDEX_PATH


@dataclass(frozen=True)
class Config:
    data_source: str = CLOUD
    # Exchange Online (Microsoft Graph)
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: Secret | None = None
    client_certificate: str | None = None
    client_certificate_key: str | None = None
    graph_url: str = DEFAULT_GRAPH_URL
    login_url: str = DEFAULT_LOGIN_URL
    # Exchange Server (EWS) and Active Directory
    exchange_server: str | None = None
    active_directory_server: str | None = None
    username: str | None = None
    password: Secret | None = None
    domain: str | None = None
    ssl_enabled: bool = False
    # Both: PEM text of extra trusted CAs (a path in the file is read at load).
    ssl_ca: str | None = None
    mailboxes: list[str] | None = None
    # How the sync runs
    max_concurrent_mailboxes: int = 4
    sync_processes: int | None = None  # None ("auto"): one per core
    request_timeout: float = 60.0
    page_size: int = 100
    max_attachment_size: int = 10 * 1024 * 1024
    max_extracted_chars: int = 1_000_000
    extraction_timeout: float = 30.0
    index: IndexConfig = field(default_factory=IndexConfig)
    rules: RuleSet = field(default_factory=RuleSet)
    advanced_rules: AdvancedRules = field(default_factory=AdvancedRules)

    @property
    def is_cloud(self) -> bool:
        return self.data_source == CLOUD


# Which keys each data source needs; the rest are optional.
REQUIRED: dict[str, tuple[str, ...]] = {
    CLOUD: ("tenant_id", "client_id"),
    SERVER: ("exchange_server", "active_directory_server", "username", "password", "domain"),
}
SECRET_KEYS = frozenset({"client_secret", "password"})
INDEX_KEYS = tuple(f.name for f in fields(IndexConfig))
TABLE_KEYS = ("index", "rules", "advanced_rules")
TOP_KEYS = tuple(f.name for f in fields(Config) if f.name not in TABLE_KEYS)


def load_config(path: str | Path | None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file (if any), apply ``OUTLOOK_*`` variables, validate."""
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    raw = _read_file(Path(path), problems) if path is not None else {}
    base_dir = Path(path).resolve().parent if path is not None else Path.cwd()
    raw = _apply_environment(raw, environ)
    config = _build(raw, base_dir, problems)
    if problems:
        raise ConfigError(problems)
    assert config is not None
    return config


def load_index_config(
    path: str | Path | None, environ: Mapping[str, str] | None = None
) -> IndexConfig:
    """Only the index settings: for commands that read the index and never connect
    (search, export, status), so that a moved certificate or an expired secret does
    not stand between a user and the documents already indexed."""
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    raw = _read_file(Path(path), problems) if path is not None else {}
    raw = _apply_environment(raw, environ)
    index_raw = raw.get("index", {})
    if not isinstance(index_raw, dict):
        problems.append("index: must be a table ([index])")
        index_raw = {}
    _check_unknown(index_raw, INDEX_KEYS, "index.", problems)
    if problems:
        raise ConfigError(problems)
    return IndexConfig(path=str(index_raw.get("path", DEFAULT_INDEX_PATH)))


def _read_file(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        problems.append(f"{path}: file not found")
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: not valid TOML: {exc}")
    except OSError as exc:
        problems.append(f"{path}: cannot be read: {exc.strerror}")
    return {}


def _apply_environment(raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """``OUTLOOK_CLIENT_SECRET`` sets ``client_secret``; ``OUTLOOK_INDEX_PATH`` sets index.path."""
    merged = dict(raw)
    index = dict(merged.get("index") or {}) if isinstance(merged.get("index"), dict) else {}
    for key in TOP_KEYS:
        value = environ.get(ENV_PREFIX + key.upper())
        if value is not None:
            merged[key] = value
    for key in INDEX_KEYS:
        value = environ.get(f"{ENV_PREFIX}INDEX_{key.upper()}")
        if value is not None:
            index[key] = value
    if index:
        merged["index"] = index
    return merged


def _build(raw: dict[str, Any], base_dir: Path, problems: list[str]) -> Config | None:
    _check_unknown(raw, TOP_KEYS + TABLE_KEYS, "", problems)
    index_raw = raw.get("index", {})
    if not isinstance(index_raw, dict):
        problems.append("index: must be a table ([index])")
        index_raw = {}
    _check_unknown(index_raw, INDEX_KEYS, "index.", problems)

    values: dict[str, Any] = {}
    for key in TOP_KEYS:
        if key in raw:
            converted = _convert(key, raw[key], problems)
            if converted is not None:
                values[key] = converted

    data_source = values.get("data_source", CLOUD)
    if data_source not in DATA_SOURCES:
        problems.append(f"data_source: '{data_source}' is not one of {', '.join(DATA_SOURCES)}")
        return None
    for key in REQUIRED[data_source]:
        if not values.get(key):
            problems.append(f"{key}: required when data_source is '{data_source}'")
    if data_source == CLOUD:
        _check_cloud_credentials(values, base_dir, problems)
    if data_source == SERVER and values.get("ssl_enabled") and not raw.get("ssl_ca"):
        problems.append("ssl_ca: required when ssl_enabled is true (the CA that signed the server)")
    if "ssl_ca" in values:
        values["ssl_ca"] = _read_ca(str(values["ssl_ca"]), base_dir, problems)
    for key in ("graph_url", "login_url"):
        if key in values and not str(values[key]).startswith("https://"):
            problems.append(f"{key}: must be an https:// URL, got '{values[key]}'")
    index_path = str(index_raw.get("path", DEFAULT_INDEX_PATH))
    rules = parse_rules(raw.get("rules"), problems)
    advanced_rules = parse_advanced_rules(raw.get("advanced_rules"), problems)
    if problems:
        return None
    return Config(
        **values,
        index=IndexConfig(path=index_path),
        rules=rules,
        advanced_rules=advanced_rules,
    )


def _check_unknown(
    raw: Mapping[str, Any], known: tuple[str, ...], prefix: str, problems: list[str]
) -> None:
    for key in raw:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
        problems.append(f"{prefix}{key}: unknown setting{hint}")


_BOOL_WORDS = {
    "true": True,
    "1": True,
    "yes": True,
    "on": True,
    "false": False,
    "0": False,
    "no": False,
    "off": False,
}
_INT_KEYS = {
    "max_concurrent_mailboxes",
    "sync_processes",
    "page_size",
    "max_attachment_size",
    "max_extracted_chars",
}
_FLOAT_KEYS = {"request_timeout", "extraction_timeout"}
_POSITIVE_LIMITS = {
    "max_concurrent_mailboxes": (1, 64),
    "sync_processes": (1, 64),
    "page_size": (1, 1000),
}


def _convert(key: str, value: Any, problems: list[str]) -> Any:
    """Turn a TOML or environment value into the setting's type; report what does not fit."""
    if key in SECRET_KEYS:
        if not isinstance(value, str) or not value:
            problems.append(f"{key}: must be a non-empty string")
            return None
        return Secret(value)
    if key == "ssl_enabled":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _BOOL_WORDS:
            return _BOOL_WORDS[value.lower()]
        problems.append(f"ssl_enabled: must be true or false, got {value!r}")
        return None
    if key == "sync_processes" and isinstance(value, str) and not value.strip().isdigit():
        if value.strip().lower() == "auto":
            return None
        problems.append(f'sync_processes: must be "auto" or a number, got {value!r}')
        return None
    if key in _INT_KEYS or key in _FLOAT_KEYS:
        return _convert_number(key, value, problems)
    if key == "mailboxes":
        return _convert_mailboxes(value, problems)
    if not isinstance(value, str):
        problems.append(f"{key}: must be a string, got {type(value).__name__}")
        return None
    return value.strip()


def _convert_number(key: str, value: Any, problems: list[str]) -> float | int | None:
    kind = int if key in _INT_KEYS else float
    try:
        if isinstance(value, bool) or (kind is int and isinstance(value, float)):
            raise ValueError  # 2.5 mailboxes at once is a mistake, not 2
        number = kind(value)
    except (TypeError, ValueError):
        problems.append(f"{key}: must be a number, got {value!r}")
        return None
    low, high = _POSITIVE_LIMITS.get(key, (0, None))
    if number <= 0 or number < low or (high is not None and number > high):
        bounds = f"between {low} and {high}" if high is not None else "greater than 0"
        problems.append(f"{key}: must be {bounds}, got {number}")
        return None
    return number


def _convert_mailboxes(value: Any, problems: list[str]) -> list[str] | None:
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",")]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append("mailboxes: must be a list of e-mail addresses")
        return None
    cleaned = [v.strip().lower() for v in value if v.strip()]
    for address in cleaned:
        if "@" not in address:
            problems.append(f"mailboxes: '{address}' is not an e-mail address")
    return cleaned or None


def _check_cloud_credentials(values: dict[str, Any], base_dir: Path, problems: list[str]) -> None:
    has_secret = values.get("client_secret") is not None
    cert, key = values.get("client_certificate"), values.get("client_certificate_key")
    if not has_secret and not (cert or key):
        problems.append(
            "client_secret: required when data_source is 'outlook_cloud' "
            "(or give client_certificate and client_certificate_key)"
        )
    if bool(cert) != bool(key):
        missing = "client_certificate_key" if cert else "client_certificate"
        problems.append(f"{missing}: required together with the other certificate setting")
    for name in ("client_certificate", "client_certificate_key"):
        if values.get(name):
            path = _resolve(values[name], base_dir)
            if not path.is_file():
                problems.append(f"{name}: file not found: {path}")
            else:
                values[name] = str(path)


def _resolve(value: str, base_dir: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base_dir / path


def _read_ca(value: str, base_dir: Path, problems: list[str]) -> str | None:
    """``ssl_ca`` is PEM content or a path to it; either way it must parse."""
    from cryptography import x509

    if "-----BEGIN CERTIFICATE-----" in value:
        pem = value
    else:
        path = _resolve(value, base_dir)
        try:
            pem = path.read_text()
        except OSError:
            problems.append(f"ssl_ca: neither PEM certificate content nor a readable file: {path}")
            return None
    try:
        certificates = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as exc:
        problems.append(f"ssl_ca: not a valid PEM certificate ({exc})")
        return None
    if not certificates:
        problems.append("ssl_ca: contains no certificate")
        return None
    return pem
