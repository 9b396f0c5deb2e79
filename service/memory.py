"""How a worker manages memory: malloc's thresholds (glibc) and Python's collector.

malloc. A page is compressed twice in its life: at brotli 5 when a request first
misses it, and at brotli 11 in the background once it is asked for again
(`service/pagecache.py`). Brotli 5 takes buffers under 512 KB; brotli 11 takes
more. By default glibc raises its mmap threshold each time a large buffer is
freed, so later ones come from the heap, and the heap keeps the freed pages. A
threshold fixed at 512 KB sends brotli 11's buffers back to the OS on free (and a
trim threshold of 1 MB returns the top of the heap), while brotli 5's stay in the
heap and are reused: with both at 128 KB, each miss's brotli 5 mapped and
faulted in ~70 fresh pages (0.15 ms of kernel time a miss, measured).

The collector. A miss allocates thousands of short-lived objects and the cache
holds tens of thousands of long-lived ones, so the default thresholds ran a
full collection every few thousand misses, each pausing the event loop for tens
of milliseconds (bench/longtail.py's p99). Higher thresholds collect far less
often, and `freeze_startup` moves everything built at start (modules, templates,
themes) out of the collector's sight.

`MALLOC_*` environment variables would not work here: granian forks workers
from a process whose allocator is already set up.
"""

from __future__ import annotations

import ctypes
import gc

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 512 * 1024  # above brotli 5's buffers, below brotli 11's
TRIM_THRESHOLD = 1024 * 1024  # at 512 KB, the main thread's heap gave brotli 5's back each time
GC_THRESHOLDS = (10_000, 10, 10)  # allocations before a young collection; the default is 700


def tune_malloc() -> bool:
    """Fix the mmap and trim thresholds; False where libc is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mmap = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return bool(mmap) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def tune_gc() -> None:
    """Collect less often: fewer pauses of the event loop under many misses."""
    gc.set_threshold(*GC_THRESHOLDS)


def freeze_startup() -> None:
    """Everything alive now (the app as built at start) is left out of collections."""
    gc.collect()
    gc.freeze()
