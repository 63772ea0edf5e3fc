"""Fetching raw files: registry, mirror, checksums and clear failures."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from analysis.data import sources
from analysis.data import tables

SMALL = "gdidata/LICENSE.md"  # the smallest registered file


def _mirror_with(tmp_path: Path, mirror: Path, names, corrupt: str | None = None) -> Path:
    """A mirror folder in tmp_path holding copies of ``names`` (one optionally corrupted)."""
    folder = tmp_path / "mirror"
    for name in names:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(mirror / name, target)
        if name == corrupt:
            with open(target, "ab") as handle:
                handle.write(b"corrupted")
    return folder


def test_registry_matches_the_mirror_checksums(mirror):
    """Every file in the mirror's SHA256SUMS is registered with the same hash and a pinned URL."""
    listed = dict(reversed(line.split()) for line in (mirror / "SHA256SUMS").read_text().splitlines() if line.strip())
    registered = {name: entry.sha256 for name, entry in sources.raw_files().items()}
    assert registered == listed
    pinned = ("/PPgp/wpp2024/490f4091c7f63126cf1a17bdbab2437a4099c336/",
              "/iom/gdidata/c9e4cc69cebd91d6cfca5f4107e2406e4de2c6ff/",
              "/guyabel/wcde/4b691489af033dfdc79b8819894f3edf9f27cc24/",
              "/npm/world-atlas@2.0.2/",
              "/iom/snapshot/da6397b6647f7eeb1a91b82e2e37a52e8b8d2bb7/",
              "/X80110/migration-visualization/cb840bd0b4a94cb70dcbb98c59290bb640182d2c/")
    for entry in sources.raw_files().values():
        assert entry.url.startswith("https://")
        assert any(version in entry.url for version in pinned), entry.url  # a commit or an exact release
        assert entry.url.endswith(Path(entry.name).name)


def test_each_dataset_carries_licence_citation_and_access_date():
    for key in ("wpp2024", "gdidata", "wcde", "world-atlas", "ilostat", "abel-flows"):
        meta = sources.dataset(key)
        assert meta["licence"] and meta["citation"] and meta["accessed"]
    assert "CC BY 3.0 IGO" in sources.citations(["wpp2024"])[0]


def test_fetch_copies_from_the_mirror_and_verifies(tmp_path, mirror):
    folder = _mirror_with(tmp_path, mirror, [SMALL])
    raw = tmp_path / "raw"
    lines = []
    paths = sources.fetch([SMALL], raw_dir=raw, mirror=folder, progress=lines.append)
    assert paths == [raw / SMALL]
    assert hashlib.sha256(paths[0].read_bytes()).hexdigest() == sources.raw_files()[SMALL].sha256
    assert "sha256 ok" in lines[0]


def test_fetch_reads_the_mirror_from_the_environment(tmp_path, mirror, monkeypatch):
    folder = _mirror_with(tmp_path, mirror, [SMALL])
    monkeypatch.setenv("LMS_DATA_MIRROR", str(folder))
    paths = sources.fetch([SMALL], raw_dir=tmp_path / "raw")
    assert paths[0].exists()


def test_checksum_mismatch_names_the_file_and_leaves_nothing(tmp_path, mirror):
    folder = _mirror_with(tmp_path, mirror, [SMALL], corrupt=SMALL)
    raw = tmp_path / "raw"
    with pytest.raises(sources.DataFetchError, match=r"SHA-256 mismatch for gdidata/LICENSE\.md.*pinned"):
        sources.fetch([SMALL], raw_dir=raw, mirror=folder)
    assert not (raw / SMALL).exists()
    assert not [p for p in raw.rglob("*") if p.is_file()], "a partial or temporary file was left behind"


def test_corrupt_local_copy_is_replaced_from_the_mirror(tmp_path, mirror):
    folder = _mirror_with(tmp_path, mirror, [SMALL])
    raw = tmp_path / "raw"
    (raw / SMALL).parent.mkdir(parents=True)
    (raw / SMALL).write_text("tampered")
    sources.fetch([SMALL], raw_dir=raw, mirror=folder)
    assert tables.sha256_of(raw / SMALL) == sources.raw_files()[SMALL].sha256


def test_file_missing_from_the_mirror(tmp_path, mirror):
    folder = _mirror_with(tmp_path, mirror, [])
    folder.mkdir(exist_ok=True)
    with pytest.raises(sources.DataFetchError, match=r"gdidata/LICENSE\.md is missing from the data mirror.*copy the pinned file"):
        sources.fetch([SMALL], raw_dir=tmp_path / "raw", mirror=folder)


def test_mirror_folder_that_does_not_exist(tmp_path):
    with pytest.raises(sources.DataFetchError, match=r"does not exist.*LMS_DATA_MIRROR"):
        sources.fetch([SMALL], raw_dir=tmp_path / "raw", mirror=tmp_path / "nowhere")


def test_no_network_and_no_mirror(tmp_path, monkeypatch):
    """A refused connection (port 9 on loopback) stands in for a machine without network."""
    entry = sources.raw_files()[SMALL]
    unreachable = sources.RawFile(entry.name, entry.dataset, "http://127.0.0.1:9/LICENSE.md", entry.sha256, entry.content)
    monkeypatch.setattr(sources, "raw_files", lambda: {SMALL: unreachable})
    with pytest.raises(sources.DataFetchError, match=r"could not download gdidata/LICENSE\.md.*Set LMS_DATA_MIRROR"):
        sources.fetch([SMALL], raw_dir=tmp_path / "raw", mirror=None)
    assert not [p for p in (tmp_path / "raw").rglob("*") if p.is_file()]


def test_unknown_file_is_refused(tmp_path):
    with pytest.raises(sources.DataFetchError, match="not in the registry"):
        sources.fetch(["wpp2024/nothing.rda"], raw_dir=tmp_path)


def test_manifest_lists_every_verified_file(raw_dir):
    import json

    manifest = json.loads((raw_dir / "MANIFEST.json").read_text())["files"]
    assert manifest == {name: entry.sha256 for name, entry in sources.raw_files().items()}
    for name, sha in manifest.items():
        assert tables.sha256_of(raw_dir / name) == sha
