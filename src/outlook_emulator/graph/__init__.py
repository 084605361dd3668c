"""Microsoft Graph v1.0 (Exchange Online mail, contacts, calendar, To Do, users)."""

from outlook_emulator.graph.app import GraphApp

__all__ = ["GraphApp"]
