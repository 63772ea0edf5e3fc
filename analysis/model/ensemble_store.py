"""The ensemble store: every trajectory of a probabilistic run on disk, by location, year, sex and age (zarr).

``write(model, n, path)`` runs the trajectories of a
:class:`~analysis.model.trajectories.TrajectoryModel` in chunks, as
:func:`analysis.model.trajectory_runs.run` does, and writes each chunk's
population by sex and age to a zarr store from the task that computed it
(one Dask chunk per task: the store's chunks are the tasks' chunks), on any
scheduler: threads, a local process pool, or a dask.distributed cluster whose
workers can all write to ``path`` (a shared file system).  It also returns the
run's kept bands (a :class:`~analysis.model.trajectories.TrajectoryResult`),
so that quantiles printed beside the store come from the very same run.
:func:`open_store` reads a store back as a lazy ``xarray.Dataset``.

Layout (format :data:`FORMAT`, version :data:`FORMAT_VERSION`, zarr format 2
for the widest choice of readers):

* ``population`` (trajectory, location, year, sex, age), float64, persons on
  1 July; ``unrealised_emigration`` and ``net_migration`` (trajectory,
  location), persons over the run;
* coordinates ``trajectory`` (0 … N − 1), ``location`` (M49 codes) with
  ``location_name`` and ``iso3``, ``year``, ``sex`` (male, female), ``age``
  (``0-4`` … ``100+``) with ``age_start``;
* attributes: the format and its version, units, the inputs' fingerprint
  (checksums of the processed tables read), the run's fingerprint (code,
  parameters, scenario blocks …), seed, trajectories, scenario and its files
  with their SHA-256, the calibration file's SHA-256, the locations asked for
  with their members, and the citation of the data and the method.

Writing is atomic: the store is written to a temporary folder beside
``path`` and renamed into place once complete, so a reader never sees half a
store; an existing store is replaced only when asked (``overwrite``).
dask.array, xarray and zarr are imported inside the functions that use them:
every other command stays free of them (about a second of imports).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Mapping, Sequence

import dask
import numpy as np
from dask.diagnostics import ProgressBar

from analysis import paths
from analysis.data.conventions import AGE_GROUPS
from analysis.data.locations import Location, index as location_index
from analysis.errors import DataError, InputError
from analysis.model import trajectories, trajectory_runs
from analysis.model.projection import N_AGES, SEXES
from analysis.model.trajectories import TrajectoryModel, TrajectoryResult

#: What ``attrs["format"]`` says in every store this module writes, and the layout's version.
FORMAT = "labour-mobility-scenarios ensemble store"
FORMAT_VERSION = 1
UNITS = "persons on 1 July (population); persons over the run (unrealised_emigration, net_migration)"
#: Zarr's own format (2: readable by zarr-python 2 and 3, R and Julia readers).
ZARR_FORMAT = 2
#: Blosc LZ4 with bit shuffling (numcodecs): measured 2.5 times smaller than float64 for whole persons, over 1 GB/s.
COMPRESSOR = {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 2}


class StoreError(InputError):
    """An ensemble store cannot be written or read as asked (exists, missing, not a store): one line, exit 2."""


class StoreDataError(DataError):
    """A store that claims to be an ensemble store but cannot be read (corrupt or of another version): exit 3."""


def check_target(path: str | Path, overwrite: bool = False) -> Path:
    """The store's path, checked before any work: a ``.zarr`` name, a writable folder, no store there unless asked.

    Raises
    ------
    StoreError
        For another suffix, an existing path without ``overwrite``, or an
        existing path that is not an ensemble store (never replaced).
    """
    path = Path(path).expanduser()
    if path.suffix != ".zarr":
        raise StoreError(f"store {path} must end in .zarr (a folder of zarr arrays), e.g. runs/my-run.zarr")
    if path.exists() or path.is_symlink():
        if not overwrite:
            raise StoreError(f"store {path} exists; choose another path, or pass --overwrite to replace it")
        if not _is_ensemble_store(path):
            raise StoreError(f"{path} exists and is not an ensemble store; it is never replaced: choose another path")
    parent = path.parent if str(path.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise StoreError(f"cannot write store {path}: {parent} is a file, not a folder")
    return path


def _is_ensemble_store(path: Path) -> bool:
    try:
        attrs = json.loads((path / ".zattrs").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(attrs, dict) and attrs.get("format") == FORMAT


def write(
    model: TrajectoryModel,
    n_trajectories: int,
    path: str | Path,
    scheduler: str = "threads",
    chunk_size: int | None = None,
    num_workers: int | None = None,
    progress: bool | None = None,
    overwrite: bool = False,
    locations: Sequence[Location] = (),
    attrs: Mapping | None = None,
) -> TrajectoryResult:
    """Run ``n_trajectories`` of ``model`` and write them to a store at ``path``; return the run's kept bands.

    Parameters
    ----------
    model : TrajectoryModel
        From :func:`analysis.model.trajectories.make_model` (no replacement request).
    path : str or Path
        A new ``.zarr`` folder (see :func:`check_target`).
    scheduler : str
        ``threads``, ``synchronous``, ``processes`` or a dask.distributed
        address (whose workers must be able to write beside ``path``).
    locations : sequence of Location
        What was asked for (recorded with their members).
    attrs : mapping, optional
        More attributes (provenance, scenario files).

    Returns
    -------
    TrajectoryResult
        The same numbers as :func:`analysis.model.trajectory_runs.run` for
        the same model and number of trajectories.
    """
    # imported here: dask.array, xarray, zarr and numcodecs cost about a second, which no other command pays
    import numcodecs
    import xarray as xr

    target = check_target(path, overwrite)
    if model.replacement is not None:
        raise StoreError("a store holds population trajectories; replacement migration is not stored")
    trajectory_runs.check_scheduler(scheduler)
    if isinstance(n_trajectories, bool) or not isinstance(n_trajectories, (int, np.integer)) or n_trajectories < 1:
        raise StoreError(f"the number of trajectories must be a whole number of at least 1, got {n_trajectories!r}")
    n_trajectories = int(n_trajectories)
    workers = num_workers or os.cpu_count() or 2
    trajectory_runs.check_memory(model, n_trajectories, workers, store=True)
    chunk_size = chunk_size or trajectories.default_chunk_size(model)
    bounds = trajectories.chunk_bounds(n_trajectories, chunk_size)

    if progress is None:
        progress = os.isatty(2)
    temporary = target.parent / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with trajectory_runs.compute_options(scheduler, num_workers) as options:
            client = None if isinstance(options["scheduler"], str) else options["scheduler"]
            target.parent.mkdir(parents=True, exist_ok=True)
            _layout(model, n_trajectories, bounds, locations, attrs, xr, numcodecs).to_zarr(
                temporary, mode="w-", compute=False, zarr_format=ZARR_FORMAT, consolidated=True,
                encoding=_encoding(model, bounds, numcodecs))  # metadata and coordinates; the tasks write the data
            if client is None:
                shared = dask.delayed(model, traverse=False, name=f"trajectory-model-{uuid.uuid4().hex}")
            else:  # sent to every worker once, not inside the graph
                shared = client.scatter(model, broadcast=True)
            task = dask.delayed(write_chunk, pure=True)
            tasks = [task(shared, start, stop, str(temporary)) for start, stop in bounds]
            bar = ProgressBar(minimum=trajectory_runs.PROGRESS_AFTER) if progress and client is None \
                else contextlib.nullcontext()  # a progress bar for local schedulers only
            with bar:
                chunks = list(dask.compute(*tasks, **options))
        _publish(temporary, target, overwrite)
    except OSError as error:
        raise StoreError(f"cannot write store {target}: {error.strerror or error}") from None
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return trajectories.combine(chunks, model)


#: The data variables, each written by the task that computes its chunk of trajectories.
VARIABLES = ("population", "unrealised_emigration", "net_migration")


def write_chunk(model: TrajectoryModel, start: int, stop: int, folder: str) -> dict:
    """One task: trajectories ``start … stop − 1`` projected, written to their own chunk of the store, and returned
    without the population (what :func:`analysis.model.trajectory_runs.run` keeps).

    Whole persons are stored: identical stores on any machine (the engine's last bits may differ between CPUs),
    and integers in float64 compress 2.5 times where the engine's fractions barely compress.
    """
    import zarr  # imported here, in the worker that writes: see the module notes

    out = trajectories.run_chunk(model, start, stop, with_population=True)
    for name, key in zip(VARIABLES, ("population", "unrealised", "net_migration")):
        zarr.open_array(os.path.join(folder, name), mode="r+", zarr_format=ZARR_FORMAT)[start:stop] = np.round(out[key])
    del out["population"]
    return out


def _layout(model: TrajectoryModel, n_trajectories: int, bounds: list, locations: Sequence[Location],
            attrs: Mapping | None, xr, numcodecs):
    """The store's dataset with empty data variables (lazy: never computed), its coordinates and attributes."""
    import dask.array

    L, T = len(model.rows), len(model.years)
    rows = bounds[0][1] - bounds[0][0]

    def empty(*shape: int):
        return dask.array.empty((n_trajectories, *shape), chunks=(rows, *shape), dtype="float64")

    whole = {"units": "persons", "precision": "whole persons (rounded)"}
    return xr.Dataset(
        {"population": (("trajectory", "location", "year", "sex", "age"), empty(L, T, 2, N_AGES),
                        {**whole, "long_name": "population on 1 July by sex and age group"}),
         "unrealised_emigration": (("trajectory", "location"), empty(L),
                                   {**whole, "long_name": "emigration that found nobody left to leave, "
                                                          "from 1 January 2024 to the last year"}),
         "net_migration": (("trajectory", "location"), empty(L),
                           {**whole, "long_name": "realised net migration from 1 July 2025 to the last year"})},
        coords=_coordinates(model, n_trajectories), attrs=_attributes(model, n_trajectories, locations, attrs))


def _encoding(model: TrajectoryModel, bounds: list, numcodecs) -> dict:
    """Zarr chunks equal to the tasks' chunks of trajectories (each task writes whole chunks: no two write one)."""
    L, T = len(model.rows), len(model.years)
    rows = bounds[0][1] - bounds[0][0]
    compressors = (numcodecs.get_codec(dict(COMPRESSOR)),)
    return {"population": {"chunks": (rows, L, T, 2, N_AGES), "compressors": compressors},
            "unrealised_emigration": {"chunks": (rows, L), "compressors": compressors},
            "net_migration": {"chunks": (rows, L), "compressors": compressors}}


def _publish(temporary: Path, target: Path, overwrite: bool) -> None:
    """Rename the finished store into place (the old one, when replaced, is moved aside first, then removed)."""
    if target.exists() or target.is_symlink():
        if not overwrite or not _is_ensemble_store(target):  # appeared meanwhile
            raise StoreError(f"store {target} appeared while this one was written; it is left as it was")
        aside = target.parent / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.old"
        os.replace(target, aside)
        os.replace(temporary, target)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(temporary, target)


def _coordinates(model: TrajectoryModel, n_trajectories: int) -> dict:
    table = location_index().locations
    codes = [int(code) for code in model.codes]
    names = [str(table.loc[code, "name"]) if code in table.index else str(code) for code in codes]
    iso3 = [str(table.loc[code, "iso3"]) if code in table.index and isinstance(table.loc[code, "iso3"], str) else ""
            for code in codes]
    return {
        "trajectory": ("trajectory", np.arange(n_trajectories, dtype="int64")),
        "location": ("location", np.asarray(codes, dtype="int64"), {"long_name": "M49 code of the country"}),
        "location_name": ("location", np.asarray(names, dtype=str)),
        "iso3": ("location", np.asarray(iso3, dtype=str)),
        "year": ("year", np.asarray(model.years, dtype="int64"), {"long_name": "1 July of the year"}),
        "sex": ("sex", np.asarray(SEXES, dtype=str)),
        "age": ("age", np.asarray(AGE_GROUPS, dtype=str), {"long_name": "5-year age group"}),
        "age_start": ("age", np.arange(0, 5 * N_AGES, 5, dtype="int64")),
    }


CITATION = ("United Nations, Department of Economic and Social Affairs, Population Division (2024). World Population "
            "Prospects 2024 (CC BY 3.0 IGO): population, components and their probabilistic projections; trajectories "
            "simulated by the labour-mobility-scenarios project's engine (docs/methods.md, Probabilistic projections)")


def _attributes(model: TrajectoryModel, n_trajectories: int, locations: Sequence[Location],
                extra: Mapping | None) -> dict:
    fingerprint = model.fingerprint()
    asked = [{"name": place.name, "kind": place.kind, "members": [int(code) for code in place.members],
              **({"defined": place.source} if place.source else {})} for place in locations]
    attrs = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "units": UNITS, "citation": CITATION,
        "trajectories": int(n_trajectories), "seed": int(model.seed), "scenario": model.scenario_name,
        "migration": model.migration, "migration_uncertainty": int(model.migration_uncertainty),
        "inputs_fingerprint": model.data.stamp, "code_fingerprint": fingerprint["code"],
        "run_fingerprint": json.dumps(fingerprint, sort_keys=True),
        "calibration_file": json.dumps(_relative(trajectories.parameters_file_record())),
        "locations_asked": json.dumps(asked),
        "seed_rule": "trajectory i draws from numpy SeedSequence(seed, spawn_key=(i,)): the same seed gives the "
                     "same numbers on any scheduler",
    }
    for key, value in (extra or {}).items():
        if key == "files_read":  # paths inside the repository relative to it: the same attributes on any machine
            value = [_relative(record) for record in value]
        attrs[key] = value if isinstance(value, (str, int, float)) else json.dumps(value, default=str)
    return attrs


def _relative(record: Mapping) -> dict:
    """A file record with its path relative to the repository when inside it (the same attributes on any machine)."""
    path = Path(record["path"])
    inside = path.is_absolute() and path.resolve().is_relative_to(paths.ROOT)
    return {**record, "path": str(path.resolve().relative_to(paths.ROOT)) if inside else str(path)}


def open_store(path: str | Path):
    """An ensemble store written by :func:`write`, as a lazy ``xarray.Dataset``.

    Raises
    ------
    StoreError
        When nothing is there, or the folder is not an ensemble store.
    StoreDataError
        When it says it is one but cannot be read, or is of another format version.
    """
    # imported here: xarray and zarr cost about half a second, which no other command pays
    import xarray as xr

    path = Path(path).expanduser()
    if not path.exists():
        raise StoreError(f"no ensemble store at {path}; write one with `python -m analysis uncertainty … --store {path}`")
    if not path.is_dir() or not (path / ".zattrs").exists() and not (path / "zarr.json").exists():
        raise StoreError(f"{path} is not an ensemble store (no zarr metadata); give the folder written by "
                         "`uncertainty --store`")
    if not _is_ensemble_store(path):
        raise StoreError(f"{path} is a zarr store but not an ensemble store of this project (its attributes lack "
                         f"format = {FORMAT!r})")
    try:
        dataset = xr.open_zarr(path, consolidated=True)
    except Exception as error:  # noqa: BLE001 (zarr and xarray raise many kinds on a damaged store)
        raise StoreDataError(f"ensemble store {path} cannot be read ({type(error).__name__}: "
                             f"{' '.join(str(error).split())[:160]}); write it again") from None
    version = dataset.attrs.get("format_version")
    if version != FORMAT_VERSION:
        raise StoreDataError(f"ensemble store {path} has format version {version}; this code reads version "
                             f"{FORMAT_VERSION}: write it again, or read it with the code that wrote it")
    missing = [name for name in ("population", "unrealised_emigration", "net_migration") if name not in dataset]
    if missing:
        raise StoreDataError(f"ensemble store {path} lacks {', '.join(missing)}; write it again")
    return dataset
