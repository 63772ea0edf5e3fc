"""Running probabilistic projections in chunks through Dask: threads, a local process pool, or any cluster.

Trajectories are split into chunks of about
:data:`~analysis.model.trajectories.ROWS_PER_CHUNK` location-trajectories;
each chunk is one task, ``run_chunk(model, start, stop)``, and keeps only the
requested bands (and replacement migration) of its trajectories, so a
worker's memory is bounded by the chunk, whatever the number of trajectories.
Every trajectory's random numbers derive from its own index, so the numbers
do not depend on the scheduler, the number of workers, the order in which
tasks run or the chunk size.

Schedulers (``scheduler=``):

* ``"threads"`` (default): a thread pool in this process (NumPy releases the
  GIL in its array operations);
* ``"synchronous"``: one task after another, in this process;
* ``"processes"``: a local pool of worker processes (a
  ``dask.distributed.LocalCluster``, started and stopped for the run);
* an address such as ``"tcp://10.0.0.5:8786"``: an existing
  ``dask.distributed`` scheduler, so that a sweep of 10⁵ or more
  trajectories runs across many machines with no change of code.

On a cluster the model (WPP's arrays, a few tens of MB) is sent to every
worker once, and each chunk is a task submitted against it.  A LocalCluster
spawns processes that import the calling module, so code that starts one must
be importable (a module or a notebook, not standard input) and, in a script,
run under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import uuid
from collections.abc import Iterator

import dask
from dask.diagnostics import ProgressBar
from distributed import Client, LocalCluster, WorkerPlugin
from distributed import progress as cluster_progress

from analysis.model import trajectories
from analysis.model.trajectories import TrajectoryError, TrajectoryModel, TrajectoryResult

LOCAL_SCHEDULERS = ("threads", "synchronous", "processes")
#: Seconds a run must last before its progress bar appears.
PROGRESS_AFTER = 2.0
#: Seconds allowed to reach a dask.distributed scheduler (and to hear it answer as one).
CONNECT_TIMEOUT = "5s"
#: What a process holds besides the kept arrays (the package, the sampler's inputs, chunks in flight), bytes;
#: measured: 450–600 MiB for small runs of any number of countries (benchmarks/bench_trajectories.py).
BASE_MEMORY = 700 * 2**20
#: Working memory of one chunk of ROWS_PER_CHUNK location-trajectories in the engine, bytes (upper bound).
CHUNK_MEMORY = 150 * 2**20


def available_memory() -> int | None:
    """Bytes this process may still use: MemAvailable, or the cgroup's limit less its usage when smaller."""
    found = []
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = open("/sys/fs/cgroup/memory.max", encoding="ascii").read().strip()
        used = int(open("/sys/fs/cgroup/memory.current", encoding="ascii").read().strip())
        if limit != "max":
            found.append(int(limit) - used)
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def memory_needed(model: TrajectoryModel, n_trajectories: int, workers: int = 2, store: bool = False) -> int:
    """Bytes a run holds at its peak in this process: the kept arrays twice (chunks, then joined), plus the rest.

    Kept per trajectory and country: each band per year, unrealised emigration
    and net migration, and per destination the replacement migration per period
    (float64).  A run written to an ensemble store holds them about 2.7 times
    at its peak (measured: 1,529 MiB for 10,000 trajectories of every country,
    benchmarks/bench_ensemble_store.py), so three times is counted.
    """
    countries, years = len(model.rows), len(model.years)
    per_trajectory = 8 * (countries * (len(model.bands) * years + 2) + len(model.replacement_rows) * (years - 1) + 1)
    return BASE_MEMORY + (3 if store else 2) * n_trajectories * per_trajectory + workers * CHUNK_MEMORY


def check_memory(model: TrajectoryModel, n_trajectories: int, workers: int = 2, store: bool = False) -> None:
    """Refuse, before any work, a run whose kept arrays would not fit in the memory available.

    Raises
    ------
    TrajectoryError
        One line with the estimate and what to ask for instead.
    """
    needed, available = memory_needed(model, n_trajectories, workers, store), available_memory()
    if available is not None and needed > available:
        raise TrajectoryError(
            f"{n_trajectories:,} trajectories of {len(model.rows)} countries keeping {len(model.bands)} age band(s) "
            f"need about {needed / 2**30:,.1f} GiB of memory, and {available / 2**30:,.1f} GiB is available; ask for "
            "fewer trajectories, countries or age bands")


#: glibc's allocator thresholds on dask workers, bytes: freed memory below the trim threshold is kept for reuse, and
#: arrays below the mmap threshold come from the heap (32 MiB is glibc's own largest dynamic mmap threshold).
MMAP_THRESHOLD = 32 * 2**20
TRIM_THRESHOLD = 128 * 2**20


def tune_allocator() -> bool:
    """Give glibc's allocator thresholds for large arrays; returns False where there is no glibc.

    dask's nanny starts every worker with ``MALLOC_TRIM_THRESHOLD_=65536``,
    which also switches off glibc's dynamic mmap threshold: every temporary
    array of the engine above 128 kB is then mapped and unmapped afresh.
    Measured: a chunk of 8 trajectories of every country took 2.4 times as
    long (a store of 10,000 trajectories written on a command-line cluster,
    three times as long as with threads).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(-3, MMAP_THRESHOLD)) and bool(libc.mallopt(-1, TRIM_THRESHOLD))  # M_MMAP, M_TRIM
    except (OSError, AttributeError):
        return False


class AllocatorSettings(WorkerPlugin):
    """:func:`tune_allocator` on every worker of a cluster, those that join later included."""

    name = "labour-mobility-allocator"

    def setup(self, worker) -> None:  # noqa: ARG002 (the plugin interface)
        tune_allocator()


def _prepared(client: Client) -> Client:
    client.register_plugin(AllocatorSettings())
    return client


def connect(address: str) -> Client:
    """A client of the dask.distributed scheduler at ``address``, or one line saying why there is none.

    Raises
    ------
    TrajectoryError
        When nothing answers within :data:`CONNECT_TIMEOUT`, or what answers
        is not a dask scheduler (a wrong port can answer with bytes that
        distributed reads as an absurd message length, and fail in any way).
    """
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as error:
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        raise TrajectoryError(f"cannot reach the dask scheduler at {address} within {CONNECT_TIMEOUT}: {reason}; "
                              "check the address and that `dask scheduler` runs there") from None
    except Exception as error:  # noqa: BLE001 (whatever a stranger's reply makes distributed raise)
        raise TrajectoryError(f"{address} answered, but not as a dask scheduler ({type(error).__name__}); check the "
                              "address and port of `dask scheduler`") from None
    return _prepared(client)


@contextlib.contextmanager
def compute_options(scheduler: str, num_workers: int | None = None) -> Iterator[dict]:
    """Keyword arguments of ``dask.compute`` for a scheduler, with a local cluster or a client open meanwhile.

    ``threads`` and ``synchronous`` run in this process; ``processes`` starts
    (and stops) a local cluster of worker processes; an address connects to
    a running dask.distributed scheduler (:func:`connect`).
    """
    scheduler = check_scheduler(scheduler)
    if scheduler in ("threads", "synchronous"):
        yield {"scheduler": scheduler, **({"num_workers": num_workers} if num_workers and scheduler == "threads"
                                           else {})}
    elif scheduler == "processes":
        with local_cluster(num_workers or os.cpu_count() or 2) as cluster, \
                _prepared(Client(cluster, set_as_default=False)) as client:
            yield {"scheduler": client}
    else:
        with connect(scheduler) as client:
            yield {"scheduler": client}


def check_scheduler(scheduler: str) -> str:
    """``threads``, ``synchronous``, ``processes`` or a scheduler address (``tcp://host:port``).

    Raises
    ------
    TrajectoryError
        For anything else.
    """
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise TrajectoryError(f"scheduler must be one of {', '.join(LOCAL_SCHEDULERS)} or an address such as "
                              f"tcp://host:8786, got {scheduler!r}")
    scheduler = scheduler.strip()
    if scheduler in LOCAL_SCHEDULERS:
        return scheduler
    scheme, _, rest = scheduler.partition("://")
    if scheme not in ("tcp", "tls", "inproc", "ucx", "ws", "wss") or not rest:
        raise TrajectoryError(f"scheduler {scheduler!r} is not one of {', '.join(LOCAL_SCHEDULERS)} nor a scheduler "
                              "address such as tcp://host:8786")
    return scheduler


def run(
    model: TrajectoryModel,
    n_trajectories: int = 1000,
    chunk_size: int | None = None,
    scheduler: str = "threads",
    num_workers: int | None = None,
    progress: bool | None = None,
) -> TrajectoryResult:
    """Run ``n_trajectories`` of ``model`` in chunks.

    Parameters
    ----------
    model : TrajectoryModel
        From :func:`analysis.model.trajectories.make_model`.
    n_trajectories : int
        At least 1.
    chunk_size : int, optional
        Trajectories per chunk (default: about 2,000 location-trajectories).
    scheduler : str
        ``threads``, ``synchronous``, ``processes`` or a dask.distributed
        scheduler address.
    num_workers : int, optional
        Threads or worker processes of a local scheduler (default: the cores).
    progress : bool, optional
        Show a progress bar on standard error for runs longer than
        :data:`PROGRESS_AFTER` seconds; by default only when standard error
        is a terminal.

    Returns
    -------
    TrajectoryResult
        The same numbers for the same seed, whatever the scheduler and chunks.
    """
    scheduler = check_scheduler(scheduler)
    if isinstance(n_trajectories, bool) or not isinstance(n_trajectories, int) or n_trajectories < 1:
        raise TrajectoryError(f"the number of trajectories must be a whole number of at least 1, got {n_trajectories!r}")
    check_memory(model, n_trajectories, num_workers or os.cpu_count() or 2)
    chunk_size = chunk_size or trajectories.default_chunk_size(model)
    bounds = trajectories.chunk_bounds(n_trajectories, chunk_size)
    if progress is None:
        progress = sys.stderr.isatty()
    if scheduler in ("threads", "synchronous"):
        chunks = _run_local(model, bounds, scheduler, num_workers, progress)
    elif scheduler == "processes":
        with local_cluster(num_workers or os.cpu_count() or 2) as cluster:
            chunks = _run_on_cluster(model, bounds, cluster.scheduler_address, progress)
    else:
        chunks = _run_on_cluster(model, bounds, scheduler, progress)
    return trajectories.combine(chunks, model)


def _run_local(model: TrajectoryModel, bounds: list, scheduler: str, num_workers: int | None, progress: bool) -> list:
    """One delayed ``run_chunk`` per chunk, all sharing one model key, computed by a local scheduler."""
    shared = dask.delayed(model, traverse=False, name=f"trajectory-model-{uuid.uuid4().hex}")
    task = dask.delayed(trajectories.run_chunk, pure=True)
    tasks = [task(shared, start, stop) for start, stop in bounds]
    options = {"scheduler": scheduler}
    if num_workers and scheduler == "threads":
        options["num_workers"] = num_workers
    bar = ProgressBar(minimum=PROGRESS_AFTER, out=sys.stderr) if progress else contextlib.nullcontext()
    with bar:
        return list(dask.compute(*tasks, **options))


def _run_on_cluster(model: TrajectoryModel, bounds: list, address: str, progress: bool) -> list:
    """Scatter the model to every worker once, submit one task per chunk, gather in order."""
    with connect(address) as client:
        shared = client.scatter(model, broadcast=True)
        run_id = uuid.uuid4().hex
        futures = [client.submit(trajectories.run_chunk, shared, start, stop, key=f"trajectory-chunk-{run_id}-{start}")
                   for start, stop in bounds]
        if progress:
            cluster_progress(futures, notebook=False)
        return client.gather(futures)


@contextlib.contextmanager
def local_cluster(n_workers: int = 2, threads_per_worker: int = 1) -> Iterator[LocalCluster]:
    """A ``dask.distributed.LocalCluster`` of worker processes for the duration of a ``with`` block.

    Its workers are spawned processes that import the caller's module: call
    this from an importable module (under ``if __name__ == "__main__":`` in a
    script), a test or a notebook, not from standard input.
    """
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
                           dashboard_address=None)
    try:
        yield cluster
    finally:
        cluster.close()
