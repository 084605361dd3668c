"""Exchange Web Services (EWS) front end: the emulated Exchange Server 2016/2019.

``EwsApp`` (``app.py``) serves ``POST /EWS/Exchange.asmx`` (SOAP 1.1, text/xml)
for one tenant, built from Microsoft's EWS reference
(MicrosoftDocs/office-developer-exchange-docs, ``docs/web-service-reference``)
and the published schema (messages.xsd, types.xsd). It answers as Exchange
Server 2016 CU23 (15.1.2507.6): every response, faults included, carries
``h:ServerVersionInfo`` in its SOAP header.

Layout (one module per operation, like the reference):

- ``operations/``: ConvertId, GetFolder, FindFolder, FindItem, GetItem,
  SyncFolderItems, SyncFolderHierarchy, GetAttachment.
- ``auth.py``: NTLM (connection-bound, with the credentials kept in the app,
  never in the process environment) and Basic, against the tenant's service
  account; ``context.py``: RequestServerVersion and ExchangeImpersonation.
- ``items.py`` / ``folders.py``: rendering in types.xsd element order from
  per-type field tables; ``shapes.py``: IdOnly / Default / AllProperties plus
  AdditionalProperties; ``recurrence.py`` and ``occurrences.py``: RRULE to
  EWS recurrence, CalendarView expansion; ``restriction.py``: Restriction and
  SortOrder; ``syncstate.py``: opaque sync states; ``soap.py``: envelopes,
  response messages and faults; ``state.py``: the app's caches.

Deliberate limits: the service account holds no delegate (FullAccess)
permission on other mailboxes, so it reaches them through impersonation only;
folders are never deleted (the tenant model has no folder tombstones);
restrictions support the comparison, And/Or/Not, Exists and Contains
expressions on the properties listed in ``values.py``.
"""
