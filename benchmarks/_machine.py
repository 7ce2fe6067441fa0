"""What this machine charges for memory touched for the first time, printed beside results.

On the 2-core virtual machine the benchmarks run on, the host takes back memory the guest
has freed (virtio-balloon free page reporting, pages of order 5 and up, 128 KB, about two
seconds after they are freed), so a page a program touches for the first time costs a fault
on the host: measured at 4-10 s per GB, against 0.1-0.3 s with reporting raised to order 10
(``/sys/module/page_reporting/parameters/page_reporting_order``) or on bare metal. Every
timing that allocates memory moves with it; printing it makes two runs comparable.
"""

from __future__ import annotations

import time
from pathlib import Path

REPORTING = Path("/sys/module/page_reporting/parameters/page_reporting_order")


def fresh_memory_seconds_per_gb() -> float:
    """Seconds per GB to write memory the process has never touched, after a pause that
    lets freed memory go back to the host; 512 MB are written."""
    import numpy as np  # noqa: PLC0415

    time.sleep(3)
    mark = time.perf_counter()
    block = np.ones(64 * 1024 * 1024)  # 512 MB, every page written
    seconds = time.perf_counter() - mark
    del block
    return seconds * 2


def describe() -> str:
    """One line for a benchmark's output: the cost, and the reporting order when known."""
    order = REPORTING.read_text(encoding="ascii").strip() if REPORTING.exists() else "n/a"
    return (
        f"this machine: {fresh_memory_seconds_per_gb():.1f} s per GB of memory touched the "
        f"first time (free page reporting order {order})"
    )
