"""Building many reports at once: one long-lived worker process per job, each with a warm kernel.

``python -m analysis report NAME…`` with several names (``make reports``
passes the reports that are out of date) starts ``jobs`` worker processes.
Each keeps one :class:`analysis.report.runner.ReportBuilder` for its whole
life, so a kernel start, the imports and the HTML exporter are paid once per
worker (and once more each time the kernel is replaced, every
``restart_every`` reports), not once per report.  Reports are handed out one
at a time to whichever worker is free, taking the notebooks in turn
(:func:`interleaved`): reports of one notebook often share a cached
trajectory run, which the first of them computes and the later ones read
instead of computing it again at the same time on another worker.

A report that fails, or whose kernel dies, is recorded as a single report
build records it (``.failed/NAME.txt``, the previous report kept) and the
others go on.  A worker process that dies itself (it holds no data: the
kernels do the work) breaks the pool; every report not finished by then is
recorded as failed with that reason, and the next build retries them.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import sys
from concurrent import futures
from typing import Callable, Sequence

from analysis import environment
from analysis.errors import note
from analysis.report import runner
from analysis.report.matrix import ReportRun
from analysis.report.runner import Outcome, ReportBuilder

#: The worker process's builder (one per process, started by :func:`_start_worker`).
_builder: ReportBuilder | None = None


def default_jobs() -> int:
    """One worker per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _start_worker(restart_every: int | None) -> None:
    """Initialise a worker process: its builder, stopped when the process exits."""
    global _builder
    _builder = ReportBuilder(restart_every)
    atexit.register(_builder.close)


def _build_in_worker(run: ReportRun) -> Outcome:
    return _builder.outcome(run)


def interleaved(runs: Sequence[ReportRun]) -> list[ReportRun]:
    """The runs with their notebooks taken in turn (each notebook's runs in the order given).

    Notebooks come in the order they first appear: ``a1 a2 a3 b1 c1 c2`` gives
    ``a1 b1 c1 a2 c2 a3``.
    """
    queues: dict[str, list[ReportRun]] = {}
    for run in runs:
        queues.setdefault(run.notebook, []).append(run)
    ordered: list[ReportRun] = []
    for turn in range(max((len(queue) for queue in queues.values()), default=0)):
        ordered.extend(queue[turn] for queue in queues.values() if turn < len(queue))
    return ordered


def build_reports(runs: Sequence[ReportRun], jobs: int | None = None, restart_every: int | None = None,
                  done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Build ``runs`` on ``jobs`` workers (one per core by default); returns an outcome per report.

    Parameters
    ----------
    runs : sequence of ReportRun
        The reports; handed out in the order of :func:`interleaved`.
    jobs : int, optional
        Worker processes (at most one per report).  With one, the reports are
        built in this process.
    restart_every : int, optional
        Reports per kernel before it is replaced.
    done : callable, optional
        Called with each outcome as it arrives (to print progress).
    """
    runs = interleaved(runs)
    outcomes: list[Outcome] = []
    stale = environment.ensure_kernel()  # a copied or moved checkout's kernel would run the original's code
    if stale is not None:
        note(f"{stale}: re-registered it with {sys.executable}")

    def finish(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if done is not None:
            done(outcome)

    jobs = max(1, min(jobs or default_jobs(), len(runs)))
    if not runs:
        return outcomes
    if jobs == 1:
        with ReportBuilder(restart_every) as builder:
            for run in runs:
                finish(builder.outcome(run))
        return outcomes
    # spawned, not forked: a fork would copy this process's threads and open kernel sockets
    context = multiprocessing.get_context("spawn")
    with futures.ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                                     initargs=(restart_every,)) as pool:
        pending = {pool.submit(_build_in_worker, run): run for run in runs}
        for future in futures.as_completed(pending):
            run = pending[future]
            try:
                outcome = future.result()
            except Exception as error:  # a worker process died (BrokenProcessPool): record, keep the previous report
                reason = (f"report {run.name} failed: a report worker process stopped before it was built "
                          f"({type(error).__name__}: {' '.join(str(error).split()) or 'no message'})")
                runner.record_failure(run.name, reason, run)
                outcome = Outcome(run.name, None, reason, 0.0)
            finish(outcome)
    return outcomes
