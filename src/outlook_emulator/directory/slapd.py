"""OpenLDAP slapd carrying Active Directory's user attributes: the fallback back end.

Used where Samba cannot run (not root, ports taken, not installed). It loads
Debian's msuser schema (AD's user and group classes) plus the one Exchange
attribute a reader needs, listens on free ports, and limits pages to 1,000
entries as AD's MaxPageSize does. It is not AD: DOMAIN\\user and user@domain
binds and the ``objectCategory=person`` shorthand only work on Samba, so the
service account binds with its DN here.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import uuid
from base64 import b64encode
from pathlib import Path

from outlook_emulator.directory.dn import base_dn_for, user_dn
from outlook_emulator.directory.entries import DONT_EXPIRE_PASSWORD, NORMAL_ACCOUNT, UserEntry
from outlook_emulator.directory.groups import GroupEntry, group_entries
from outlook_emulator.directory.info import DirectoryInfo
from outlook_emulator.directory.ldif import ldif_record
from outlook_emulator.directory.process import DirectoryStartError, ServerProcess, free_port
from outlook_emulator.directory.tls import TlsFiles
from outlook_emulator.tenant.model import Tenant

HOST = "127.0.0.1"
SCHEMA_DIR = Path("/etc/ldap/schema")

# Exchange's attribute (its own OID) and the AD classes (their AD OIDs) that
# msuser.ldif leaves out: securityPrincipal carries sAMAccountName in AD.
AD_ADDITIONS_SCHEMA = """dn: cn=adadditions,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: adadditions
olcAttributeTypes: ( 1.2.840.113556.1.4.7000.102.50855 NAME 'msExchRecipientTypeDetails'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
olcObjectClasses: ( 1.2.840.113556.1.3.46 NAME 'mailRecipient' SUP top AUXILIARY
  MAY ( msExchRecipientTypeDetails ) )
olcObjectClasses: ( 1.2.840.113556.1.3.23 NAME 'container' SUP top STRUCTURAL MUST cn )
olcObjectClasses: ( 1.2.840.113556.1.5.6 NAME 'securityPrincipal' SUP top AUXILIARY
  MAY ( sAMAccountName ) )
"""

# mstop requires a security descriptor; this is an empty self-relative one
# (revision 1, SE_SELF_RELATIVE | SE_DACL_PRESENT, no owner, group or ACLs).
EMPTY_SECURITY_DESCRIPTOR = b"\x01\x00\x04\x80" + b"\x00" * 16
USER_CLASSES: list[str | bytes] = [
    "top",
    "person",
    "organizationalPerson",
    "user",
    "securityPrincipal",
    "mailRecipient",
]


def start_slapd(
    tenant: Tenant, entries: list[UserEntry], work: Path, tls: TlsFiles, timeout: float
) -> tuple[ServerProcess, DirectoryInfo]:
    account = tenant.service_account
    if account is None:
        raise DirectoryStartError("the tenant has no [service_account] to bind with")
    base = base_dn_for(tenant.domain)
    config_dir, db_dir = work / "slapd.d", work / "db"
    for folder in (config_dir, db_dir):
        folder.mkdir(parents=True, exist_ok=True)
    (work / "ad-additions.ldif").write_text(AD_ADDITIONS_SCHEMA, encoding="utf-8")
    (work / "config.ldif").write_text(_config_ldif(work, base, tls), encoding="utf-8")
    _write_data(work / "data.ldif", tenant, entries, base)
    _slapadd(["-n", "0", "-F", str(config_dir), "-l", str(work / "config.ldif")], work)
    _slapadd(["-q", "-n", "1", "-F", str(config_dir), "-l", str(work / "data.ldif")], work)
    (work / "data.ldif").unlink()  # it holds the service account's password hash
    ldap_port, ldaps_port = free_port(), free_port()
    urls = f"ldap://{HOST}:{ldap_port}/ ldaps://{HOST}:{ldaps_port}/"
    server = ServerProcess(
        ["/usr/sbin/slapd", "-F", str(config_dir), "-h", urls, "-d", "0"], work / "slapd.log"
    )
    try:
        server.wait_listening(HOST, ldap_port, timeout)
        server.wait_listening(HOST, ldaps_port, timeout)
    except BaseException:
        server.stop()
        raise
    info = DirectoryInfo(
        ldap_url=f"ldap://{HOST}:{ldap_port}",
        ldaps_url=f"ldaps://{HOST}:{ldaps_port}",
        base_dn=base,
        bind_user=user_dn(account.username, base),
        ca_cert=str(tls.ca_cert),
        backend="slapd",
    )
    return server, info


def _slapadd(args: list[str], work: Path) -> None:
    result = subprocess.run(
        ["/usr/sbin/slapadd", *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise DirectoryStartError(f"slapadd {' '.join(args[:2])} failed: {result.stderr[-2000:]}")


def _config_ldif(work: Path, base: str, tls: TlsFiles) -> str:
    schemas = [
        SCHEMA_DIR / f"{n}.ldif" for n in ("core", "cosine", "inetorgperson", "nis", "msuser")
    ]
    includes = "".join(f"include: file://{p}\n" for p in [*schemas, work / "ad-additions.ldif"])
    return f"""dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {work}/slapd.pid
olcTLSCACertificateFile: {tls.ca_cert}
olcTLSCertificateFile: {tls.cert}
olcTLSCertificateKeyFile: {tls.key}

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

{includes}
dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend
olcAccess: {{0}}to dn.base="" by * read
olcAccess: {{1}}to dn.base="cn=Subschema" by * read

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {base}
olcDbDirectory: {work}/db
olcDbMaxSize: 268435456
olcDbIndex: objectClass eq
olcDbIndex: mail eq,pres
olcSizeLimit: size.soft=1000 size.hard=1000 size.pr=1000 size.prtotal=unlimited
olcAccess: {{0}}to attrs=userPassword by anonymous auth by * none
olcAccess: {{1}}to * by users read by * none
"""


def _write_data(path: Path, tenant: Tenant, entries: list[UserEntry], base: str) -> None:
    account = tenant.service_account
    assert account is not None
    first_dc = tenant.domain.split(".")[0]
    category = f"CN=Person,CN=Schema,CN=Configuration,{base}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(ldif_record(base, {"objectClass": ["top", "domain"], "dc": [first_dc]}))
        users_dn = f"CN=Users,{base}"
        out.write(ldif_record(users_dn, {"objectClass": ["top", "container"], "cn": ["Users"]}))
        for entry in entries:
            out.write(ldif_record(user_dn(entry.cn, base), _user(entry, category)))
        group_category = f"CN=Group,CN=Schema,CN=Configuration,{base}"
        for group in group_entries(tenant, entries, base):
            out.write(ldif_record(user_dn(group.cn, base), _group(group, group_category)))
        service = UserEntry(
            cn=account.username,
            sam_account_name=account.username,
            guid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"service:{account.username}")),
            attributes={
                "sAMAccountName": [account.username],
                "userPrincipalName": [f"{account.username}@{tenant.domain}"],
                "userAccountControl": [str(NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD)],
            },
        )
        attrs = _user(service, category)
        attrs["userPassword"] = [_ssha(account.password)]
        out.write(ldif_record(user_dn(account.username, base), attrs))


def _user(entry: UserEntry, category: str) -> dict[str, list[str | bytes]]:
    attrs: dict[str, list[str | bytes]] = {
        "objectClass": list(USER_CLASSES),
        "cn": [entry.cn],
        # core.schema's person requires sn (AD's does not): use the CN when the
        # tenant gives no surname.
        "sn": [entry.cn],
        "instanceType": ["4"],
        "objectCategory": [category],
        "nTSecurityDescriptor": [EMPTY_SECURITY_DESCRIPTOR],
        "objectGUID": [uuid.UUID(entry.guid).bytes_le],
    }
    attrs.update({name: list(values) for name, values in entry.attributes.items()})
    return attrs


def _group(entry: GroupEntry, category: str) -> dict[str, list[str | bytes]]:
    attrs: dict[str, list[str | bytes]] = {
        "objectClass": ["top", "group", "securityPrincipal"],
        "cn": [entry.cn],
        "instanceType": ["4"],
        "objectCategory": [category],
        "nTSecurityDescriptor": [EMPTY_SECURITY_DESCRIPTOR],
        "objectGUID": [uuid.UUID(entry.guid).bytes_le],
    }
    attrs.update({name: list(values) for name, values in entry.attributes.items()})
    if entry.members:
        attrs["member"] = list(entry.members)
    return attrs


def _ssha(password: str) -> str:
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(password.encode("utf-8") + salt).digest()
    return "{SSHA}" + b64encode(digest + salt).decode("ascii")
