"""``outlook-connector check`` for Exchange Server: each step a user can act on, in order.

Directory bind and user count, EWS sign-in, impersonation of one mailbox, and
that mailbox opened. A failed step says what failed; later steps that depend
on it are reported as not run rather than guessed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from outlook_connector.sources.base import CheckResult, MailboxUnavailable, SourceError
from outlook_connector.sources.ews import folders
from outlook_connector.sources.ews.connection import MAILBOX_ERRORS

if TYPE_CHECKING:
    from outlook_connector.sources.ews.source import EwsSource

DIRECTORY = "Active Directory"
SIGN_IN = "EWS sign-in"
IMPERSONATION = "EWS impersonation"
MAILBOX = "mailbox opened"


def run_checks(source: EwsSource) -> list[CheckResult]:
    results: list[CheckResult] = []
    mailbox = _directory(source, results)
    if mailbox is None:
        for name in (SIGN_IN, IMPERSONATION, MAILBOX):
            results.append(CheckResult(name, False, "not run: no mailbox to try"))
        return results
    results.extend(_mailbox(source, mailbox))
    return results


def _directory(source: EwsSource, results: list[CheckResult]) -> str | None:
    """Count the users (and remember the first one) without holding them all."""
    first: str | None = None
    count = 0
    try:
        for mailbox in source.mailboxes():
            first = first or mailbox.address
            count += 1
    except SourceError as exc:
        results.append(CheckResult(DIRECTORY, False, str(exc)))
        return None
    if source.settings.mailboxes:
        detail = f"not asked: {count} mailbox(es) listed in the configuration"
    else:
        detail = f"{count} user(s) with a mailbox at {source.settings.active_directory_server}"
    results.append(CheckResult(DIRECTORY, count > 0, detail if count else "no users found"))
    return first


def _mailbox(source: EwsSource, address: str) -> list[CheckResult]:
    who = source.settings.ntlm_username
    try:
        account = source.connection.account(address)
        found = source.connection.call(
            lambda: folders.get_distinguished(account, ["inbox"]), address
        )
        inbox = found.get("inbox")
        if isinstance(inbox, MAILBOX_ERRORS):
            raise MailboxUnavailable(f"mailbox {address}: {type(inbox).__name__}: {inbox}")
    except MailboxUnavailable as exc:
        return [
            CheckResult(SIGN_IN, True, f"signed in as {who}"),
            CheckResult(IMPERSONATION, False, str(exc)),
            CheckResult(MAILBOX, False, "not run"),
        ]
    except SourceError as exc:
        return [
            CheckResult(SIGN_IN, False, str(exc)),
            CheckResult(IMPERSONATION, False, "not run"),
            CheckResult(MAILBOX, False, "not run"),
        ]
    if not isinstance(inbox, folders.FolderInfo):  # the mailbox answered, its inbox did not
        return [
            CheckResult(SIGN_IN, True, f"signed in as {who}"),
            CheckResult(IMPERSONATION, True, f"acting as {address}"),
            CheckResult(MAILBOX, False, f"{address}: inbox not readable: {inbox}"),
        ]
    count = inbox.total_count
    return [
        CheckResult(SIGN_IN, True, f"signed in as {who}"),
        CheckResult(IMPERSONATION, True, f"acting as {address}"),
        CheckResult(
            MAILBOX, True, f"{address}: inbox holds {count if count is not None else '?'} item(s)"
        ),
    ]
