"""Running build jobs: in this process, or spread over a pool of worker processes.

Jobs are read lazily and sent in small chunks, with only a few chunks in flight per worker, so a
merge of 100,000 recipients never exists as 100,000 letters in memory at once. Results come back
in whatever order the workers finish; the caller puts them in order. On Ctrl-C (or SIGTERM,
which the build turns into the same thing) no new chunk starts, the chunks that are running
finish, their results are delivered, and ``KeyboardInterrupt`` is raised again.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from letterpress.batch import worker
from letterpress.batch.worker import Job, Result
from letterpress.options import Options

TYPE_CHECKING = False  # typing itself costs a new process 3 ms; type checkers read the name

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.synchronize import Event

IN_FLIGHT = 3
"""Chunks sent ahead per worker: enough that no worker waits, few enough to stop quickly."""
MAX_CHUNK = 8
"""Letters per chunk at most: enough to make sending them cheap, few enough to share work."""


class WorkerLost(Exception):
    """A worker process died (killed from outside, out of memory); the build cannot go on."""


def execute(
    jobs: Iterable[Job], options: Options, workers: int, total: int,
    deliver: Callable[[Result], None],
) -> None:
    """Build every job, calling ``deliver`` with each result in this process."""
    if workers <= 1 or total <= 1 or not _workers_can_start():
        worker.prepare()
        for job in jobs:
            deliver(worker.run(job, options))
        return
    # A pool only when there is one: a build of one letter never loads multiprocessing.
    from concurrent.futures import ProcessPoolExecutor

    workers = min(workers, total)
    context = _context()
    lifeline, held = context.Pipe(duplex=False)
    stopping = context.Event()
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=worker.init,
        initargs=(options, dict(os.environ), stopping, lifeline),
    )
    chunks = _chunks(jobs, chunk_size(total, workers))
    try:
        _run_pool(pool, chunks, workers * IN_FLIGHT, deliver, stopping)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        # Closing our end tells workers that are still running (after a second Ctrl-C) to stop.
        held.close()
        lifeline.close()


def chunk_size(total: int, workers: int) -> int:
    """About eight chunks per worker, so the last ones finish close together."""
    return max(1, min(MAX_CHUNK, total // (workers * 8)))


def _chunks(jobs: Iterable[Job], size: int) -> Iterator[list[Job]]:
    iterator = iter(jobs)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _workers_can_start() -> bool:
    """False when this program was read from standard input: a worker process starts by
    importing the main program again, and a program read from a pipe cannot be read twice."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if getattr(main, "__spec__", None) is not None or path is None:
        return True
    return os.path.exists(path)


def _context() -> multiprocessing.context.BaseContext:
    import multiprocessing

    # forkserver: workers start from a clean, single-threaded process (the build process may run
    # a progress thread, and forking a threaded process can deadlock), with the render path
    # imported once in the server. Elsewhere (Windows, macOS) spawn.
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["letterpress.batch.worker", *worker.RENDER_PATH])
        return context
    return multiprocessing.get_context("spawn")


def _run_pool(
    pool: ProcessPoolExecutor, chunks: Iterator[list[Job]], limit: int,
    deliver: Callable[[Result], None], stopping: Event,
) -> None:
    pending: set[Future[list[Result]]] = set()
    try:
        for chunk in chunks:
            pending.add(pool.submit(worker.run_chunk, chunk))
            while len(pending) >= limit:
                pending = _collect(pending, deliver)
        while pending:
            pending = _collect(pending, deliver)
    except KeyboardInterrupt:
        stopping.set()
        _wind_down(pending, deliver)
        raise


def _collect(
    pending: set[Future[list[Result]]], deliver: Callable[[Result], None]
) -> set[Future[list[Result]]]:
    from concurrent.futures import FIRST_COMPLETED, wait

    done, still = wait(pending, return_when=FIRST_COMPLETED)
    for future in done:
        for result in _results(future):
            deliver(result)
    return still


def _results(future: Future[list[Result]]) -> list[Result]:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        raise WorkerLost("a worker process stopped unexpectedly (killed?)") from None


def _wind_down(pending: set[Future[list[Result]]], deliver: Callable[[Result], None]) -> None:
    """Cancel what has not started; let each worker finish its letter, and report them."""
    running = {future for future in pending if not future.cancel()}
    try:
        for future in running:
            for result in _results(future):
                deliver(result)
    except (KeyboardInterrupt, WorkerLost):
        pass  # a second Ctrl-C: stop waiting; workers finish their file and exit on their own
