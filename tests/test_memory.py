"""`tune_malloc` by its effect: large buffers freed after a build go back to the OS.

The claim in service/memory.py: by default glibc raises its mmap threshold each
time a large buffer is freed, so later ones come from the heap and their pages
stay resident after free; with the threshold fixed, they are unmapped on free.
Each run is a fresh interpreter, so the allocator starts from its defaults.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUFFERS = 64
BUFFER = 1 << 20

SCRIPT = f"""
import ctypes, os, sys
from service.memory import tune_malloc
if sys.argv[1] == "tuned":
    assert tune_malloc()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
page = os.sysconf("SC_PAGE_SIZE")

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page

def touched(size):
    p = libc.malloc(size)
    ctypes.memset(p, 1, size)
    return p

libc.free(touched(8 << 20))  # a compressor's first big buffer: glibc raises its threshold
before = rss()
held, kept = [], []
for _ in range({BUFFERS}):
    held.append(touched({BUFFER}))  # a build's temporary buffer
    kept.append(touched(16 << 10))  # what it keeps (a compressed page) lands after it
for p in held:
    libc.free(p)
print(rss() - before)
"""


def resident_after_free(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return int(done.stdout)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="tune_malloc is glibc-only")
def test_freed_build_buffers_leave_resident_memory_only_without_tuning() -> None:
    total = BUFFERS * BUFFER
    default = resident_after_free("default")
    tuned = resident_after_free("tuned")
    assert default > total // 2, f"glibc kept {default} B: the default is not what memory.py says"
    assert tuned < total // 8, f"tuned, {tuned} B of {total} stayed resident after free"


def test_tune_malloc_reports_whether_it_applied() -> None:
    from service.memory import tune_malloc

    assert tune_malloc() is (platform.libc_ver()[0] == "glibc")
