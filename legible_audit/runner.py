"""Running the tasks: `jobs` threads, each with its own Playwright and Chromium, taking
tasks from one queue; each worker keeps one browser context and page (contexts.py), reset
before every load. Ctrl-C stops handing
out tasks, and the run returns what is done so the reports still get written."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from playwright.sync_api import sync_playwright

from .browser import LAUNCH_ARGS, chromium_executable
from .contexts import Contexts
from .findings import TaskResult
from .options import Options, Variant
from .tasks import Shared, Task, run_task

STOP_SECONDS = 15.0  # after Ctrl-C, how long workers get to finish


class BrowserFailed(Exception):
    """Chromium would not start: a setup error (exit code 2)."""


@dataclass
class Run:
    results: list[TaskResult] = field(default_factory=list)
    interrupted: bool = False
    planned: int = 0
    stuck: bool = False  # a worker was still busy when the run stopped
    failures: list[str] = field(default_factory=list)  # why workers stopped early

    @property
    def unfinished(self) -> int:
        """Tasks planned but not done, in a run that was not interrupted."""
        return 0 if self.interrupted else max(0, self.planned - len(self.results))


def plan(urls: Sequence[str], opts: Options) -> list[Task]:
    """Every url × variant cell, and one page task per url × viewport; interleaved
    by URL so each page's variants spread over the workers."""
    tasks = []
    for url in urls:
        for vp in opts.viewports:
            tasks.append(Task(url, Variant(None, 100, False, vp), "page"))
        tasks += [Task(url, v, "cell") for v in opts.variants]
    return tasks


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else repr(exc)


def _worker(
    opts: Options,
    tasks: queue.Queue[Task],
    results: queue.Queue[TaskResult | BrowserFailed],
    stop: threading.Event,
    shared: Shared,
) -> None:
    # Anything that ends a worker early (Playwright's driver not starting, Chromium
    # not launching or dying) is reported, never a thread that ends in silence.
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_executable(), args=LAUNCH_ARGS)
            contexts = Contexts(browser, opts)
            try:
                while not stop.is_set():
                    try:
                        task = tasks.get_nowait()
                    except queue.Empty:
                        break
                    results.put(run_task(contexts, opts, task, shared))
            finally:
                with contextlib.suppress(Exception):  # Ctrl-C may have ended Chromium already
                    contexts.close()
                    browser.close()
    except BaseException as exc:  # reported to the main thread: exit code 2
        results.put(BrowserFailed(_first_line(exc)))


def run(tasks: Sequence[Task], opts: Options, on_result: Callable[[TaskResult], None]) -> Run:
    """Run every task; `on_result` sees each result as it arrives (progress)."""
    todo: queue.Queue[Task] = queue.Queue()
    for task in tasks:
        todo.put(task)
    results: queue.Queue[TaskResult | BrowserFailed] = queue.Queue()
    stop = threading.Event()
    shared = Shared()
    jobs = min(opts.jobs, len(tasks)) or 1
    workers = [
        threading.Thread(target=_worker, args=(opts, todo, results, stop, shared), daemon=True)
        for _ in range(jobs)
    ]
    for w in workers:
        w.start()
    out = Run(planned=len(tasks))
    try:
        while any(w.is_alive() for w in workers) or not results.empty():
            try:
                item = results.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(item, BrowserFailed):
                out.failures.append(str(item))
                continue
            out.results.append(item)
            on_result(item)
    except KeyboardInterrupt:
        out.interrupted = True
        stop.set()
        # Let each worker end its task and its Playwright: a thread still inside
        # Playwright when the interpreter exits can crash it.
        deadline = time.monotonic() + STOP_SECONDS
        for w in workers:
            w.join(max(0.0, deadline - time.monotonic()))
        out.stuck = any(w.is_alive() for w in workers)
    if out.failures and not out.results and not out.interrupted:
        raise BrowserFailed(out.failures[0])
    return out
