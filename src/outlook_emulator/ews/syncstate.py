"""Opaque sync states for SyncFolderItems and SyncFolderHierarchy.

A state is what the server needs to continue: which folder, the mailbox
change sequence the client has seen up to, and whether the first full
enumeration is still under way (everything is then a Create) together with
the sequence it started at (deletions before it are none of the client's
business). It is base64 text, as Exchange's is; anything that does not
decode to a state for this folder is ``ErrorInvalidSyncStateData``
(``syncstate-ex15websvcsotherref.md``).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from outlook_emulator.ews.soap import EwsError

_MAGIC = b"EMUSYNC1"


@dataclass(frozen=True)
class SyncState:
    folder_id: str
    seq: int
    initial: bool  # the first enumeration has not reached its last page yet
    base: int  # the mailbox sequence when the first enumeration started
    store: str = ""  # the tenant's instance: states from an earlier run are refused

    def encode(self) -> str:
        payload = json.dumps(
            [self.folder_id, self.seq, int(self.initial), self.base, self.store]
        ).encode()
        return base64.b64encode(_MAGIC + payload).decode("ascii")


def decode(text: str | None, folder_id: str, current_seq: int, store: str = "") -> SyncState:
    """The state a client sent; without one, a fresh first enumeration."""
    if text is None or not text.strip():
        return SyncState(folder_id, 0, True, current_seq, store)
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        if not raw.startswith(_MAGIC):
            raise ValueError("not a sync state")
        fid, seq, initial, base, issued_by = json.loads(raw[len(_MAGIC) :])
        state = SyncState(str(fid), int(seq), bool(initial), int(base), str(issued_by))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise _invalid() from None
    if (
        state.folder_id != folder_id
        or state.store != store
        or state.seq < 0
        or state.seq > current_seq
    ):
        raise _invalid()
    return state


def _invalid() -> EwsError:
    return EwsError(
        "ErrorInvalidSyncStateData", "Synchronization state data is corrupt or otherwise invalid."
    )
