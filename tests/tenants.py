"""Small tenant folders written by tests, in the standard tenant layout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

TENANT_ID = "5f1c7a52-0d1e-4c55-9d3e-2b7a6f1e8a10"
CLIENT_ID = "0b9d6c1e-3c7e-4c7a-8f3e-0d2c5b9a7e11"
CLIENT_SECRET = "test-client-secret-value"
SERVICE_PASSWORD = "svc-password-value"
PERMISSIONS = [
    "User.Read.All",
    "MailboxSettings.Read",
    "Mail.Read",
    "Contacts.Read",
    "Calendars.Read",
    "Tasks.Read.All",
]


def write_tenant(
    root: Path, users: list[str], permissions: list[str] | None = None, extra_users_toml: str = ""
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    perms = ", ".join(f'"{p}"' for p in (permissions or PERMISSIONS))
    users_toml = "".join(
        f'[[users]]\nmail = "{u}"\ndisplay_name = "{u.split("@")[0].title()}"\n' for u in users
    )
    (root / "tenant.toml").write_text(
        f'tenant_id = "{TENANT_ID}"\ndomain = "contoso.example"\nnetbios_name = "CONTOSO"\n'
        f'[[applications]]\nclient_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"\n'
        f"permissions = [{perms}]\n"
        f'[service_account]\nusername = "svc-search"\npassword = "{SERVICE_PASSWORD}"\n'
        f"impersonation = true\n{users_toml}{extra_users_toml}"
    )
    for user in users:
        (root / "mailboxes" / user).mkdir(parents=True, exist_ok=True)
    return root


def write_mail(
    root: Path,
    mailbox: str,
    path: str,
    subject: str,
    body: str,
    sender: str = "sender@fabrikam.example",
    when: datetime | None = None,
) -> Path:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mailbox
    message["Subject"] = subject
    message["Date"] = format_datetime(when or datetime(2024, 5, 1, 9, 0, tzinfo=UTC))
    message["Message-ID"] = f"<{abs(hash((mailbox, path)))}@fabrikam.example>"
    message.set_content(body)
    target = root / "mailboxes" / mailbox / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(bytes(message))
    return target


def write_many_mails(root: Path, mailbox: str, folder: str, count: int) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(count):
        write_mail(
            root,
            mailbox,
            f"{folder}/m{i:05d}.eml",
            f"Order {i} status",
            f"Order number {i} shipped with item word{i}.",
            when=start + timedelta(minutes=i),
        )
