"""The loader stays fast: a generated tenant of about 1,000 items loads in about a second.

Measured in CPU time of this process, so that colleagues' jobs on a shared machine do not
make the test flaky; the bound leaves room for slower machines but catches a loader that
turned quadratic or lost its fast paths (which made it three times slower).
"""

from __future__ import annotations

import time
from pathlib import Path

from outlook_emulator.generate import generate_tenant
from outlook_emulator.tenant.loader import load_tenant


def test_a_thousand_items_load_in_well_under_five_cpu_seconds(tmp_path: Path) -> None:
    generate_tenant(tmp_path, users=4, items_per_user=250, seed=9)
    load_tenant(tmp_path)  # warm up: imports, compiled patterns, time zone data
    started = time.process_time()
    tenant = load_tenant(tmp_path)
    spent = time.process_time() - started
    items = sum(len(f.items) for m in tenant.mailboxes.values() for f in m.folders.values())
    assert items == 1000
    assert spent < 3.0, f"{items} items took {spent:.2f} s of CPU time"
