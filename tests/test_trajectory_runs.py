"""Trajectories run in chunks through Dask: the same numbers whatever the chunks and the scheduler; the run cache."""

from __future__ import annotations

import os

import numpy as np
import pytest

from analysis.model import trajectories as tr
from analysis.model import trajectory_cache, trajectory_runs
from analysis.model.trajectories import TrajectoryError


@pytest.fixture(scope="module")
def model(processed_dir):
    return tr.make_model(seed=11, locations=["EU27", "Nigeria", "Japan"], bands=("all", "15-64", "65+"),
                         replacement=tr.ReplacementRequest(("Germany", "Japan")))


def identical(a: tr.TrajectoryResult, b: tr.TrajectoryResult) -> bool:
    return a.values.keys() == b.values.keys() and all(np.array_equal(a.values[k], b.values[k]) for k in a.values)


@pytest.fixture(scope="module")
def reference(model):
    return trajectory_runs.run(model, 24, chunk_size=24, scheduler="synchronous")


@pytest.mark.parametrize("chunk_size", [1, 5, 7])
def test_chunked_runs_give_identical_numbers(model, reference, chunk_size):
    assert identical(trajectory_runs.run(model, 24, chunk_size=chunk_size, scheduler="synchronous"), reference)


def test_threaded_runs_give_identical_numbers(model, reference):
    assert identical(trajectory_runs.run(model, 24, chunk_size=3, scheduler="threads", num_workers=4), reference)


def test_a_local_cluster_gives_identical_numbers(model, reference):
    """The same graph on a dask.distributed LocalCluster of two worker processes, through its address."""
    with trajectory_runs.local_cluster(n_workers=2) as cluster:
        on_cluster = trajectory_runs.run(model, 24, chunk_size=5, scheduler=cluster.scheduler_address)
    assert identical(on_cluster, reference)
    assert on_cluster.values["replacement"].shape == (24, 2, 15)


def test_more_trajectories_extend_fewer_without_changing_them(model, reference):
    longer = trajectory_runs.run(model, 30, chunk_size=8, scheduler="threads")
    assert all(np.array_equal(longer.values[key][:24], reference.values[key]) for key in reference.values)


def test_memory_is_bounded_by_the_chunk_not_the_run(model):
    """A chunk keeps bands per trajectory, country and year: no full population by age and sex leaves it."""
    chunk = tr.run_chunk(model, 0, 4)
    kept = sum(array.nbytes for array in chunk.values())
    L, T = len(model.rows), len(model.years)
    assert kept < 4 * L * T * 8 * (len(model.bands) + 3) + 4 * 2 * 15 * 8 + 64
    assert chunk["bands"].shape == (4, L, 3, T)


def test_bad_schedulers_are_refused_in_one_line(model):
    for scheduler, words in (("thread", "not one of"), ("", "must be one of"), ("http://x:1", "not one of")):
        with pytest.raises(TrajectoryError, match=words):
            trajectory_runs.run(model, 4, scheduler=scheduler)
    with pytest.raises(TrajectoryError, match="cannot reach"):
        trajectory_runs.run(model, 4, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(TrajectoryError, match="at least 1"):
        trajectory_runs.run(model, 0)


# ---------------------------------------------------------------- the cache
def test_a_cached_run_is_read_back_unchanged_and_not_recomputed(model, reference, tmp_path, monkeypatch):
    first = trajectory_cache.cached_run(model, 24, scheduler="synchronous", cache_dir=tmp_path)
    assert identical(first, reference)
    files = list(tmp_path.glob("*.npz"))
    assert len(files) == 1 and not list(tmp_path.glob(".*.tmp"))

    def refuse(*args, **kwargs):
        raise AssertionError("recomputed although cached")

    monkeypatch.setattr(trajectory_runs, "run", refuse)
    again = trajectory_cache.cached_run(model, 24, cache_dir=tmp_path)
    assert identical(again, reference)


def test_a_run_being_computed_elsewhere_is_waited_for_and_read_not_computed_again(model, reference, tmp_path,
                                                                                 monkeypatch):
    import fcntl
    import threading

    key, fingerprint = trajectory_cache.run_key(model, 24)
    computed = []
    monkeypatch.setattr(trajectory_runs, "run", lambda *args, **kwargs: computed.append(1) or reference)
    with open(tmp_path / f".{key}.lock", "a") as lock:  # "another process" is computing this run
        fcntl.flock(lock, fcntl.LOCK_EX)
        results = []
        waiting = threading.Thread(target=lambda: results.append(
            trajectory_cache.cached_run(model, 24, cache_dir=tmp_path)))
        waiting.start()
        waiting.join(timeout=1.0)
        assert waiting.is_alive() and not results  # it waits for the lock instead of computing
        trajectory_cache._write(tmp_path / f"{key}.npz", reference.values, fingerprint)  # the other one's result
    waiting.join(timeout=30)
    assert results and identical(results[0], reference) and not computed


def test_the_cache_key_changes_with_everything_that_changes_the_numbers(model, processed_dir):
    key = trajectory_cache.run_key(model, 24)[0]
    others = [
        trajectory_cache.run_key(model, 25)[0],
        trajectory_cache.run_key(tr.make_model(seed=12, locations=["EU27", "Nigeria", "Japan"],
                                               bands=("all", "15-64", "65+"),
                                               replacement=tr.ReplacementRequest(("Germany", "Japan"))), 24)[0],
        trajectory_cache.run_key(tr.make_model(seed=11, locations=["EU27", "Nigeria", "Japan"],
                                               bands=("all", "15-64", "65+"), scenario="zero-migration",
                                               replacement=tr.ReplacementRequest(("Germany", "Japan"))), 24)[0],
        trajectory_cache.run_key(tr.make_model(seed=11, locations=["EU27", "Nigeria", "Japan"],
                                               bands=("all", "15-64", "65+"), migration_uncertainty=False,
                                               replacement=tr.ReplacementRequest(("Germany", "Japan"))), 24)[0],
        trajectory_cache.run_key(tr.make_model(seed=11, locations=["EU27", "Nigeria", "Japan"],
                                               bands=("all", "15-64", "65+"),
                                               params=tr.load_parameters().replace(tfr=tr.Correlation(0.5)),
                                               replacement=tr.ReplacementRequest(("Germany", "Japan"))), 24)[0],
        trajectory_cache.run_key(tr.make_model(seed=11, locations=["EU27", "Nigeria", "Japan"],
                                               bands=("all", "15-64", "65+"),
                                               params=tr.load_parameters().replace(
                                                   tfr_upper_tail=tr.UpperTail(2.0, 1.0, 0.5)),
                                               replacement=tr.ReplacementRequest(("Germany", "Japan"))), 24)[0],
    ]
    assert len({key, *others}) == len(others) + 1
    assert model.fingerprint()["inputs"] and model.fingerprint()["code"]


def test_a_damaged_cache_file_is_recomputed(model, reference, tmp_path):
    trajectory_cache.cached_run(model, 24, scheduler="synchronous", cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    path.write_bytes(path.read_bytes()[:100])
    assert identical(trajectory_cache.cached_run(model, 24, scheduler="synchronous", cache_dir=tmp_path), reference)
    assert np.load(path)["bands"].shape == reference.values["bands"].shape  # replaced by a complete file


def test_long_runs_show_a_progress_bar_on_request(model, reference, capsys, monkeypatch):
    monkeypatch.setattr(trajectory_runs, "PROGRESS_AFTER", 0.0)  # every run counts as long here
    shown = trajectory_runs.run(model, 24, chunk_size=6, scheduler="threads", progress=True)
    assert "100% Completed" in capsys.readouterr().err
    assert identical(shown, reference)
    trajectory_runs.run(model, 6, chunk_size=6, scheduler="threads", progress=False)
    assert capsys.readouterr().err == ""


def test_the_cache_keeps_under_its_limit_by_removing_the_least_recently_used(tmp_path):
    for age, name in enumerate(("old", "used", "new")):
        path = tmp_path / f"{name}.npz"
        path.write_bytes(b"x" * 1000)
        os.utime(path, ns=(10**18 + age * 10**9, 10**18 + age * 10**9))
    os.utime(tmp_path / "used.npz")  # read just now
    removed = trajectory_cache.prune(tmp_path, limit=2000, keep=tmp_path / "new.npz")
    assert [path.name for path in removed] == ["old.npz"]
    assert sorted(path.name for path in tmp_path.glob("*.npz")) == ["new.npz", "used.npz"]
