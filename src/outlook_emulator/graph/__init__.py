"""Microsoft Graph v1.0 for the emulated Exchange Online tenant (read-only).

Served under ``/v1.0`` with a bearer token from the emulator's identity
platform (outlook_emulator.identity); each module implements one resource
family and names the Microsoft reference pages it follows:

- ``users``: ``/users`` (paging, $select, documented $filter forms, $count),
  ``/users/{id | userPrincipalName}``, ``/users/{id}/mailboxSettings``;
- ``groups``: ``/groups`` ($filter on displayName and mail), ``/groups/{id}``,
  its ``members`` and ``transitiveMembers``;
- ``mail``: ``mailFolders`` (well-known names, ``childFolders``, ``delta``),
  folder ``messages`` and their ``delta``, ``/messages/{id}`` and ``$value``;
- ``contacts``: ``contactFolders`` (+ ``childFolders``, ``delta``), ``contacts``
  and their ``delta`` (personal contact groups have no Graph v1.0 API);
- ``calendar``: ``calendars``, ``events`` (single instances and series masters),
  ``instances``, ``calendarView`` and its ``delta`` (occurrences expanded);
- ``todo``: To Do ``lists``, ``tasks`` and their ``delta``;
- ``attachments``: of messages, events and tasks, with ``$value``;
- ``batch``: ``$batch`` (20 requests, ``dependsOn``).

Shared machinery: ``odata`` (query options, Prefer headers, signed
continuation tokens), ``paging``, ``delta`` (rounds over the mailbox change
counter), ``filters`` ($filter), ``index`` (cached per-folder orderings),
``routing`` (paths, and ``mailbox_key`` for per-mailbox middleware), ``errors``.
"""

from outlook_emulator.graph.app import GraphApp

__all__ = ["GraphApp"]
