"""`service/memory.py` by its effect: large buffers freed after a build go back to the OS,
brotli 5's are reused, and a tuned worker collects garbage far less often.

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


def python_c(script: str, arg: str) -> str:
    """`script`'s output in a fresh interpreter: the allocator and collector at their defaults."""
    done = subprocess.run(
        [sys.executable, "-c", script, arg], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return done.stdout


def resident_after_free(mode: str) -> int:
    return int(python_c(SCRIPT, mode))


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


FAULTS = """
import random, resource, sys, brotli
from service.memory import tune_malloc
assert tune_malloc()
rng = random.Random(1)
words = "thư viện mở cửa đến giờ hội nghị giao ban kiểm sát nhân dân thành phố".split()
pages = [" ".join(rng.choice(words) for _ in range(900)).encode()[:5300] for _ in range(20)]
quality = int(sys.argv[1])
for page in pages:  # the first compressions set the heap up
    brotli.compress(page, quality=quality, lgwin=16)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    for page in pages:
        brotli.compress(page, quality=quality, lgwin=16)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 100)
"""


def faults_per_compression(quality: int) -> float:
    return float(python_c(FAULTS, str(quality)))


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="tune_malloc is glibc-only")
def test_a_miss_reuses_brotli_5s_buffers_and_brotli_11_gives_its_back() -> None:
    # A 6 KB page: brotli 5 (every miss) reuses heap buffers; brotli 11 (an upgrade, in
    # the background) maps fresh ones and unmaps them on free. At a 128 KB threshold
    # brotli 5 faulted in about 70 fresh pages per page compressed.
    assert faults_per_compression(5) < 5
    assert faults_per_compression(11) > 30


COLLECTIONS = """
import gc, sys
from service.memory import freeze_startup, tune_gc
if sys.argv[1] == "tuned":
    tune_gc()
before = gc.get_stats()[0]["collections"]
kept = [[i] for i in range(200_000)]  # a busy worker's many allocations
print(gc.get_stats()[0]["collections"] - before)
freeze_startup()
print(gc.get_freeze_count() >= len(kept))
"""


def test_a_tuned_worker_collects_far_less_often_and_freezes_what_it_built() -> None:
    counts = {}
    for mode in ("default", "tuned"):
        collections, frozen = python_c(COLLECTIONS, mode).split()
        counts[mode] = int(collections)
        assert frozen == "True"
    assert counts["default"] > 100  # every 700 allocations
    assert counts["tuned"] * 5 < counts["default"], counts
