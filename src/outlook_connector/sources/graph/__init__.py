"""Exchange Online through Microsoft Graph v1.0.

Application permissions (admin consent) the source uses:

- User.Read.All: the mailboxes (``/users``);
- MailboxSettings.Read: telling shared mailboxes (sign-in blocked) from
  disabled people; without it disabled accounts are left out and ``check``
  says so;
- Mail.Read, Contacts.Read, Calendars.Read, Tasks.Read.All: the data. A kind
  the application may not read is reported on each sync; the rest syncs.

Modules: ``settings`` (what the source needs), ``tls`` (trusted authorities),
``auth`` (MSAL tokens), ``client`` (HTTP, paging, throttling), ``directory``
(mailboxes), ``collections``, ``changes`` (delta rounds and cursors),
``attachments``, ``mapping`` (Graph JSON → documents), ``source`` (the Source).
"""

from .settings import GraphSettings
from .source import GraphSource

__all__ = ["GraphSettings", "GraphSource"]
