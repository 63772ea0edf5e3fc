"""A cache of trajectory runs: what a run kept, keyed by everything that determines its numbers.

Reports ask the same probabilistic questions at every build (Africa's
population aged 15–64, a destination's replacement migration), and each costs
seconds.  A run's kept arrays are stored in ``data/cache/trajectories`` as
one ``.npz`` file named by the SHA-256 of the run's fingerprint: the number
of trajectories, the seed, the countries, bands, scenario blocks, correlation
parameters and switches, the checksums of the processed tables it reads, and
the source of the model code (:meth:`TrajectoryModel.fingerprint`).  Anything
that changes the numbers therefore changes the key, and a stale file is never
read; the fingerprint is also stored inside the file and compared on reading.
Files are written to a temporary name and renamed into place, so a reader
never sees half a file; one that cannot be read is recomputed and replaced.
A folder that cannot be written (read-only, a file in its place, a full
disk) costs the cache, not the run: the run is returned with a note.
Processes asking for the same run at once (the two report workers and the
methods page, test workers) compute it once: the first holds a lock on
``.<key>.lock`` while it runs, the others wait for it and read its file.
The chunk size and the scheduler are not part of the key: they do not change
the numbers.  Runs of older code or tables are never read again, so the
folder is kept under ``CACHE_LIMIT`` bytes by removing the least recently
used files after each write (a read marks a file as used); ``make clean``
removes the folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no lock, a run asked for twice at once is computed twice
    fcntl = None

import numpy as np

from analysis import paths
from analysis.data.config import shown as paths_shown
from analysis.data.tables import make_readable
from analysis.errors import note
from analysis.model import trajectory_runs
from analysis.model.trajectories import TrajectoryModel, TrajectoryResult

#: Where runs are cached.
CACHE_DIR = paths.DATA / "cache" / "trajectories"
#: Largest size of the folder, bytes (the reports' runs take about 150 MB).
CACHE_LIMIT = 1_000_000_000


def run_key(model: TrajectoryModel, n_trajectories: int) -> tuple[str, str]:
    """The file name of a run (the SHA-256 of its fingerprint) and the fingerprint as JSON."""
    fingerprint = json.dumps({"trajectories": int(n_trajectories), **model.fingerprint()}, sort_keys=True)
    return hashlib.sha256(fingerprint.encode()).hexdigest(), fingerprint


def cached_run(
    model: TrajectoryModel,
    n_trajectories: int,
    chunk_size: int | None = None,
    scheduler: str = "threads",
    progress: bool | None = None,
    cache_dir: Path | None = None,
) -> TrajectoryResult:
    """:func:`analysis.model.trajectory_runs.run`, read from the cache when the same run was stored.

    Parameters
    ----------
    cache_dir : Path, optional
        Folder of the cache (``data/cache/trajectories`` by default).
    """
    folder = Path(cache_dir or CACHE_DIR)
    key, fingerprint = run_key(model, n_trajectories)
    path = folder / f"{key}.npz"
    stored = _read(path, fingerprint)
    if stored is not None:
        try:
            os.utime(path)  # used now: the last to be pruned
        except OSError:
            pass
        return TrajectoryResult(model.codes, model.years, model.bands, stored, model.replacement,
                                model.replacement_names, model.fingerprint())
    with _computing(folder, key):
        stored = _read(path, fingerprint)  # another process may have written it while this one waited
        if stored is not None:
            return TrajectoryResult(model.codes, model.years, model.bands, stored, model.replacement,
                                    model.replacement_names, model.fingerprint())
        result = trajectory_runs.run(model, n_trajectories, chunk_size, scheduler, progress=progress)
        try:
            _write(path, result.values, fingerprint)  # under the lock: a waiting process then finds the file
            prune(folder, keep=path)
        except OSError as error:  # a read-only folder, a file in its place, a full disk: the run stands, uncached
            reason = error.strerror or type(error).__name__
            note(f"the trajectory run was computed but not cached: {paths_shown(folder)} cannot be written ({reason})")
    return result


@contextlib.contextmanager
def _computing(folder: Path, key: str):
    """Hold an exclusive lock on the run ``key`` while it is computed; without a writable folder, no lock."""
    handle = None
    if fcntl is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle = open(folder / f".{key}.lock", "a")
            fcntl.flock(handle, fcntl.LOCK_EX)  # released by the system if this process dies
        except OSError:
            if handle is not None:
                handle.close()
            handle = None
    try:
        yield
    finally:
        if handle is not None:
            handle.close()  # closing releases the lock; the empty file stays, a later run reuses it


def prune(folder: Path, limit: int = CACHE_LIMIT, keep: Path | None = None) -> list[Path]:
    """Remove the least recently used runs until the folder holds at most ``limit`` bytes; returns what was removed."""
    files = []
    for path in Path(folder).glob("*.npz"):
        try:
            info = path.stat()
        except OSError:  # removed meanwhile by another process
            continue
        files.append((info.st_mtime_ns, info.st_size, path))
    total = sum(size for _, size, _ in files)
    removed = []
    for _, size, path in sorted(files):
        if total <= limit:
            break
        if keep is not None and path == keep:
            continue
        path.unlink(missing_ok=True)
        total -= size
        removed.append(path)
    return removed


def _read(path: Path, fingerprint: str) -> dict | None:
    """The stored arrays, or None when the file is missing, unreadable or of another run."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["fingerprint"]) != fingerprint:
                return None
            return {name: stored[name] for name in stored.files if name != "fingerprint"}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


def _write(path: Path, values: dict, fingerprint: str) -> None:
    """Write through a temporary file beside ``path`` and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, fingerprint=np.array(fingerprint), **values)
        make_readable(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
