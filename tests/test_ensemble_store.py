"""The ensemble store (every trajectory by location, year, sex and age), a group's quantiles, and the faults of a run.

The store written through a dask.distributed LocalCluster of two worker
processes must equal the one written with threads for the same seed; a
group's quantiles are quantiles of its members summed per trajectory; bad
requests fail in one line (exit status 2, or 3 for an unreadable store).
"""

from __future__ import annotations

import json
import socket
import threading
import warnings

import numpy as np
import pytest
from dask.distributed import LocalCluster

from analysis.cli import main
from analysis.data import locations
from analysis.errors import InputNote
from analysis.model import ensemble_store, trajectory_cache, trajectory_runs
from analysis.model import trajectories as tr
from analysis.model.ensemble_store import StoreDataError, StoreError
from analysis.study import uncertainty

TRAJECTORIES = 200
GROUP = "Nigeria+Ghana+Senegal"


@pytest.fixture(scope="module")
def group(processed_dir):
    return locations.resolve(GROUP)


@pytest.fixture(scope="module")
def model(group):
    return tr.make_model(seed=7, locations=[group], bands=("15-64",))


@pytest.fixture(scope="module")
def threaded(model, group, tmp_path_factory):
    """200 trajectories of three countries written with threads, in chunks of 60 (four tasks)."""
    path = tmp_path_factory.mktemp("stores") / "threads.zarr"
    result = ensemble_store.write(model, TRAJECTORIES, path, "threads", chunk_size=60, locations=[group],
                                  attrs={"files_read": [tr.parameters_file_record()]})
    return path, result


def one_line_error(capsys, argv: list[str], status: int, *words: str) -> str:
    assert main(argv) == status
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1 and lines[0].startswith("error: "), err
    for word in words:
        assert word in lines[0]
    return lines[0]


def test_a_store_written_on_a_local_cluster_equals_one_written_with_threads(model, group, threaded, tmp_path):
    path, result = threaded
    cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    try:
        on_cluster = ensemble_store.write(model, TRAJECTORIES, tmp_path / "cluster.zarr", cluster.scheduler_address,
                                          chunk_size=60, locations=[group],
                                          attrs={"files_read": [tr.parameters_file_record()]})
    finally:
        cluster.close()
    assert ensemble_store.open_store(tmp_path / "cluster.zarr").identical(ensemble_store.open_store(path))
    assert all(np.array_equal(on_cluster.values[key], result.values[key]) for key in result.values)
    plain = trajectory_runs.run(model, TRAJECTORIES, scheduler="synchronous")  # the same numbers as without a store
    assert all(np.array_equal(plain.values[key], result.values[key]) for key in plain.values)


def test_open_store_reads_back_every_trajectory_with_its_attributes(model, group, threaded):
    path, result = threaded
    store = ensemble_store.open_store(path)
    assert dict(store.sizes) == {"trajectory": 200, "location": 3, "year": 16, "sex": 2, "age": 21}
    assert store.population.chunks[0] == (60, 60, 60, 20)  # one chunk per task
    assert list(store.location.values) == [288, 566, 686] and list(store.location_name.values) == [
        "Ghana", "Nigeria", "Senegal"]
    attrs = store.attrs
    assert (attrs["format_version"], attrs["seed"], attrs["trajectories"]) == (1, 7, 200)
    assert attrs["inputs_fingerprint"] == model.data.stamp and "World Population Prospects 2024" in attrs["citation"]
    assert json.loads(attrs["locations_asked"])[0] == {"name": GROUP, "kind": "group", "members": [288, 566, 686],
                                                       "defined": "inline"}
    assert json.loads(attrs["files_read"])[0]["path"] == "analysis/model/trajectories.yml"
    # whole persons: each cell within half a person of the engine's band, summed over ten age groups and two sexes
    working = store.population.isel(age=slice(3, 13)).sum(["sex", "age"]).values
    assert np.abs(working - result.values["bands"][:, :, 0, :]).max() <= 10.0
    assert (store.population.values == np.round(store.population.values)).all()


def test_a_groups_quantiles_sum_members_per_trajectory_before_taking_quantiles(threaded, group):
    _, result = threaded
    table = uncertainty.population_quantiles(result, GROUP, "15-64", [2050], probs=[0.1, 0.5, 0.9])
    members = result.band("15-64")[:, :, result.year_index(2050)]  # (N, 3)
    assert np.allclose(table["population"], np.quantile(members.sum(axis=1), [0.1, 0.5, 0.9]), rtol=1e-12)
    summed_quantiles = np.quantile(members, [0.1, 0.9], axis=0).sum(axis=1)  # wrong: wider than the group's
    assert (summed_quantiles[1] - summed_quantiles[0]) > 1.05 * (table["population"].iloc[2] - table["population"].iloc[0])


def test_a_failed_run_leaves_no_store_and_no_temporary_folder(model, tmp_path, monkeypatch):
    def fail(model, start, stop, **kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(tr, "run_chunk", fail)
    with pytest.raises(RuntimeError, match="worker lost"):
        ensemble_store.write(model, 20, tmp_path / "lost.zarr", "synchronous", chunk_size=10)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_store_is_replaced_only_when_asked_and_foreign_folders_never(model, threaded, tmp_path):
    path, _ = threaded
    with pytest.raises(StoreError, match="exists; choose another path, or pass --overwrite"):
        ensemble_store.check_target(path)
    assert ensemble_store.check_target(path, overwrite=True) == path
    (tmp_path / "notes.zarr").mkdir()
    with pytest.raises(StoreError, match="is not an ensemble store; it is never replaced"):
        ensemble_store.check_target(tmp_path / "notes.zarr", overwrite=True)
    replaced = ensemble_store.write(model, 10, tmp_path / "again.zarr", "synchronous")
    ensemble_store.write(model, 12, tmp_path / "again.zarr", "synchronous", overwrite=True)
    assert ensemble_store.open_store(tmp_path / "again.zarr").sizes["trajectory"] == 12 and replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.zarr", "notes.zarr"]


def test_missing_foreign_and_other_version_stores_are_refused_in_one_line(threaded, tmp_path, capsys):
    with pytest.raises(StoreError, match="no ensemble store at"):
        ensemble_store.open_store(tmp_path / "none.zarr")
    (tmp_path / "empty.zarr").mkdir()
    with pytest.raises(StoreError, match="is not an ensemble store"):
        ensemble_store.open_store(tmp_path / "empty.zarr")
    import shutil

    path, _ = threaded
    copy = tmp_path / "old.zarr"
    shutil.copytree(path, copy)
    for name in (".zattrs", ".zmetadata"):
        text = (copy / name).read_text().replace('"format_version": 1', '"format_version": 99')
        (copy / name).write_text(text)
    with pytest.raises(StoreDataError, match="format version 99; this code reads version 1") as error:
        ensemble_store.open_store(copy)
    assert error.value.exit_status == 3


@pytest.mark.parametrize("argv, words", [
    (["--store", "{tmp}/x.txt"], ["must end in .zarr"]),
    (["--overwrite"], ["--overwrite replaces an ensemble store and does nothing without --store"]),
    (["--store", "{store}"], ["exists; choose another path, or pass --overwrite"]),
    (["--replacement", "total", "--store", "{tmp}/r.zarr"], ["--store asks for population quantiles and does nothing with --replacement"]),
    (["--location", "Nigeria+Ghnaa"], ["unknown location 'Ghnaa'; did you mean: Ghana"]),
])
def test_bad_store_requests_fail_in_one_line_before_any_work(argv, words, threaded, tmp_path, capsys):
    path, _ = threaded
    argv = [part.format(tmp=tmp_path, store=path) for part in argv]
    one_line_error(capsys, ["uncertainty", "--trajectories", "10", *argv], 2, *words)
    assert not list(tmp_path.iterdir())


def test_a_run_that_would_not_fit_in_memory_is_refused_before_it_starts(monkeypatch, capsys):
    monkeypatch.setattr(trajectory_runs, "available_memory", lambda: 2**30)
    line = one_line_error(capsys, ["uncertainty", "--location", "Africa", "--trajectories", "200000"], 2,
                          "200,000 trajectories of 58 countries keeping 1 age band(s) need about",
                          "GiB of memory, and 1.0 GiB is available")
    assert float(line.split("need about ")[1].split(" GiB")[0]) > 1.0


def test_a_scheduler_address_answering_as_something_else_fails_in_one_line(model, monkeypatch):
    """A port that answers with other bytes (here an HTTP reply) once made distributed allocate 3 EiB."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer() -> None:
        connection, _ = server.accept()
        with connection:
            connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 4)
            connection.recv(1024)

    threading.Thread(target=answer, daemon=True).start()
    monkeypatch.setattr(trajectory_runs, "CONNECT_TIMEOUT", "2s")
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    with pytest.raises(tr.TrajectoryError, match=f"{address} answered, but not as a dask scheduler") as error:
        trajectory_runs.run(model, 4, scheduler=address)
    assert "\n" not in str(error.value)
    server.close()


@pytest.mark.parametrize("fault", ["file in its place", "read-only"])
def test_an_unwritable_trajectory_cache_costs_the_cache_not_the_run(model, tmp_path, monkeypatch, fault):
    folder = tmp_path / "cache"
    if fault == "file in its place":
        folder.write_text("not a folder")
    else:  # as root, a mode of 0o555 would not stop the write: refuse it where the file is created
        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied")
        monkeypatch.setattr(trajectory_cache.tempfile, "mkstemp", refuse)
    monkeypatch.setattr(trajectory_cache, "CACHE_DIR", folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = uncertainty.simulate([GROUP], ("15-64",), 6, 7, cache=True, progress=False)
    notes = [str(w.message) for w in caught if issubclass(w.category, InputNote)]
    assert result.n_trajectories == 6 and len(notes) == 1
    assert notes[0].startswith("the trajectory run was computed but not cached") and str(folder) in notes[0]


def test_sampling_every_countrys_migration_in_batches_changes_no_number(model, monkeypatch):
    """A chunk of few countries samples the world's migration in batches of trajectories: the same numbers."""
    whole = tr.run_chunk(model, 0, 10)
    monkeypatch.setattr(tr, "SAMPLED_ROWS", 3 * len(model.data.codes))  # batches of 3 trajectories
    batched = tr.run_chunk(model, 0, 10)
    assert all(np.array_equal(whole[key], batched[key]) for key in whole)
