"""Load users and groups into a freshly provisioned Samba AD database, in one transaction.

Run by Debian's /usr/bin/python3 (where Samba's Python bindings live), not by
the project's interpreter, so it imports nothing from this project. It reads a
JSON job file named on the command line:

    {"smb_conf": PATH, "base_dn": DN,
     "users": [{"dn": DN, "guid": GUID, "attributes": {NAME: [TEXT, ...]}}],
     "groups": [{"dn": DN, "guid": GUID, "attributes": {...}, "members": [DN, ...]}],
     "service_account": {"dn": DN, "attributes": {...}, "password": TEXT} | null}

Opening sam.ldb directly (the server is not running yet) skips the LDAP round
trips, so a thousand users take seconds, not minutes.
"""

import json
import sys
import uuid

import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

# Exchange's schema extension for the one attribute a directory reader needs
# to recognise shared mailboxes. The attributeID, syntax and schemaIDGUID are
# Exchange's own (ms-Exch-Recipient-Type-Details); Exchange's schema prep makes
# it a possible attribute of the Mail-Recipient auxiliary class, which every
# user object carries.
EXCHANGE_ATTRIBUTE = """
dn: CN=ms-Exch-Recipient-Type-Details,{schema}
objectClass: top
objectClass: attributeSchema
cn: ms-Exch-Recipient-Type-Details
attributeID: 1.2.840.113556.1.4.7000.102.50855
attributeSyntax: 2.5.5.16
oMSyntax: 65
isSingleValued: TRUE
searchFlags: 1
lDAPDisplayName: msExchRecipientTypeDetails
adminDisplayName: ms-Exch-Recipient-Type-Details
schemaIDGUID: 069ba1f8-540a-42a9-bf26-a7dd35475346
isMemberOfPartialAttributeSet: TRUE
"""

MAIL_RECIPIENT_CHANGE = """
dn: CN=Mail-Recipient,{schema}
changetype: modify
add: mayContain
mayContain: msExchRecipientTypeDetails
"""

# Tenant passwords are whatever the tenant file says; the test domain's policy
# accepts them as an administrator could configure a real domain to.
PASSWORD_POLICY = """
dn: {base}
changetype: modify
replace: pwdProperties
pwdProperties: 0
replace: minPwdLength
minPwdLength: 0
"""


def extend_schema(samdb):
    schema = str(samdb.get_schema_basedn())
    existing = samdb.search(
        base=schema, scope=ldb.SCOPE_ONELEVEL, expression="(cn=ms-Exch-Recipient-Type-Details)"
    )
    if len(existing) == 0:
        samdb.add_ldif(EXCHANGE_ATTRIBUTE.format(schema=schema))
        samdb.set_schema_update_now()
        samdb.modify_ldif(MAIL_RECIPIENT_CHANGE.format(schema=schema))
        samdb.set_schema_update_now()


def element(name, values):
    # ldb's MessageElement crashes on byte values when not given its name.
    return ldb.MessageElement(values, ldb.FLAG_MOD_ADD, name)


USER_CLASSES = [b"top", b"person", b"organizationalPerson", b"user"]
GROUP_CLASSES = [b"top", b"group"]


def add_object(samdb, item, password=None, classes=USER_CLASSES):
    dn = ldb.Dn(samdb, item["dn"])
    msg = ldb.Message(dn)
    msg["objectClass"] = element("objectClass", classes)
    for name, values in item["attributes"].items():
        msg[name] = element(name, [v.encode("utf-8") for v in values])
    controls = []
    if item.get("guid"):
        # Keep the tenant's object ids, so the directory and the mail servers
        # agree on who is who; only a relaxed add may set objectGUID.
        msg["objectGUID"] = element("objectGUID", [uuid.UUID(item["guid"]).bytes_le])
        controls.append("relax:0")
    if password is not None:
        msg["unicodePwd"] = element("unicodePwd", [f'"{password}"'.encode("utf-16-le")])
    samdb.add(msg, controls=controls)


def add_members(samdb, group):
    # After every group exists: a member DN must name an existing object, and
    # groups may name each other.
    if not group["members"]:
        return
    msg = ldb.Message(ldb.Dn(samdb, group["dn"]))
    msg["member"] = element("member", [dn.encode("utf-8") for dn in group["members"]])
    samdb.modify(msg)


def main(job_path):
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    lp = LoadParm()
    lp.load(job["smb_conf"])
    # AD refuses schema changes unless the administrator allows them, as
    # Exchange's schema prep also requires (the schema master's setting).
    lp.set("dsdb:schema update allowed", "true")
    samdb = SamDB(url=lp.samdb_url(), session_info=system_session(lp), lp=lp)
    extend_schema(samdb)
    samdb.modify_ldif(PASSWORD_POLICY.format(base=job["base_dn"]))
    samdb.transaction_start()
    try:
        for item in job["users"]:
            add_object(samdb, item)
        groups = job.get("groups", [])
        for group in groups:
            add_object(samdb, group, classes=GROUP_CLASSES)
        for group in groups:
            add_members(samdb, group)
        account = job.get("service_account")
        if account:
            add_object(samdb, account, password=account["password"])
    except Exception:
        samdb.transaction_cancel()
        raise
    samdb.transaction_commit()
    print(f"loaded {len(job['users'])} users and {len(job.get('groups', []))} groups")


if __name__ == "__main__":
    main(sys.argv[1])
