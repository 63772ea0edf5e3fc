"""Registry of raw data files, and fetching them with checksum verification.

The registry (``sources.yml``, shipped inside the package) keeps, for every
raw file, its pinned URL and SHA-256 beside the licence, citation and access
date of the dataset it belongs to.  :func:`fetch` puts the files into
``data/raw/`` with :mod:`pooch`, which downloads to a temporary file and
renames it only once the SHA-256 matches, so ``data/raw/`` never holds a
partial or unverified file.  When ``LMS_DATA_MIRROR`` names a local folder laid
out like the data mirror, files are copied from there instead of the network.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd
import pyreadr
import yaml

from analysis import paths
from analysis.data.tables import atomic_write_text, sha256_of, shown
from analysis.errors import DataError

REGISTRY_FILE = Path(__file__).with_name("sources.yml")
MANIFEST_NAME = "MANIFEST.json"


class DataFetchError(DataError):
    """A raw file could not be fetched or verified; the message says what to do."""


@dataclass(frozen=True)
class RawFile:
    """One raw file of the registry."""

    name: str  # local path under data/raw, e.g. "wpp2024/mx5dt.rda"
    dataset: str
    url: str
    sha256: str
    content: str


@cache
def registry() -> dict:
    """The parsed registry: ``{"datasets": {key: {..., "files": {...}}}}``."""
    with open(REGISTRY_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def raw_files() -> dict[str, RawFile]:
    """Every registered raw file, keyed by its local name."""
    files = {}
    for dataset, meta in registry()["datasets"].items():
        for name, entry in meta["files"].items():
            files[name] = RawFile(name, dataset, entry["url"], entry["sha256"], entry["content"])
    return files


def dataset(key: str) -> dict:
    """Metadata (title, citation, licence, accessed, …) of one dataset."""
    return registry()["datasets"][key]


def citations(keys: Iterable[str] = ("wpp2024", "gdidata")) -> list[str]:
    """Citation lines for the given datasets, with licence and access date."""
    lines = []
    for key in keys:
        meta = dataset(key)
        lines.append(
            f"{meta['citation']} Licence: {meta['licence']}. "
            f"Distribution: {meta['distribution']}. Accessed {meta['accessed']}."
        )
    return lines


def raw_path(name: str, raw_dir: Path | None = None) -> Path:
    """Local path of a registered raw file; raises if it has not been fetched."""
    files = raw_files()
    if name not in files:
        raise KeyError(f"{name!r} is not in the registry {REGISTRY_FILE}; known: {sorted(files)}")
    path = Path(raw_dir or paths.RAW) / name
    if not path.exists():
        raise DataFetchError(
            f"raw file {shown(path)} is missing: run `make data` to fetch it"
        )
    return path


def _mirror_downloader(mirror: Path, name: str) -> Callable:
    """A pooch downloader that copies ``name`` from a local mirror folder."""

    def copy(url: str, output_file, pooch_obj) -> None:  # noqa: ARG001 (pooch's signature)
        source = mirror / name
        if not source.is_file():
            raise FileNotFoundError(source)
        shutil.copyfile(source, output_file)  # pooch passes a temporary path

    return copy


def fetch(
    names: Iterable[str] | None = None,
    raw_dir: Path | None = None,
    mirror: Path | None | str = "env",
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Fetch registered raw files into ``raw_dir`` and verify their SHA-256.

    Parameters
    ----------
    names : iterable of str, optional
        Local names (``"wpp2024/mx5dt.rda"``); all registered files by default.
    raw_dir : Path, optional
        Destination folder, ``data/raw`` by default.
    mirror : Path, None or "env"
        Local mirror folder to copy from; ``"env"`` (default) reads
        ``LMS_DATA_MIRROR``; ``None`` forces download from the pinned URLs.
    progress : callable, optional
        Called with one line per file (e.g. ``print``).

    Returns
    -------
    list of Path
        Paths of the verified files.

    Raises
    ------
    DataFetchError
        On a checksum mismatch, a file missing from the mirror, a missing
        mirror folder or a failed download. Nothing partial is left behind.
    """
    import pooch  # imported here: pooch pulls in tqdm.auto, which warns inside Jupyter kernels

    raw_dir = Path(raw_dir or paths.RAW)
    if mirror == "env":
        mirror = paths.mirror_dir()
    mirror = Path(mirror) if mirror is not None else None
    if mirror is not None and not mirror.is_dir():
        raise DataFetchError(
            f"data mirror {mirror} (from {paths.MIRROR_ENV}) does not exist or is not a folder: "
            f"point {paths.MIRROR_ENV} at a folder laid out like shared/data (wpp2024/…, gdidata/…), "
            "or unset it to download from the pinned URLs"
        )
    files = raw_files()
    selected = list(names) if names is not None else sorted(files)
    unknown = [name for name in selected if name not in files]
    if unknown:
        raise DataFetchError(f"not in the registry: {unknown}; known files: {sorted(files)}")

    store = pooch.create(
        path=raw_dir,
        base_url="",
        registry={name: f"sha256:{files[name].sha256}" for name in selected},
        urls={name: files[name].url for name in selected},
        retry_if_failed=0,
    )
    logger = pooch.get_logger()
    previous_level = logger.level
    logger.setLevel(logging.WARNING)  # our own progress lines replace pooch's
    fetched = []
    try:
        for index, name in enumerate(selected, start=1):
            entry = files[name]
            origin = f"mirror {mirror}" if mirror else entry.url
            downloader = _mirror_downloader(mirror, name) if mirror else None
            try:
                path = Path(store.fetch(name, downloader=downloader))
            except FileNotFoundError as error:
                raise DataFetchError(
                    f"{name} is missing from the data mirror {mirror} ({error}): "
                    f"copy the pinned file from {entry.url} there, or unset {paths.MIRROR_ENV} "
                    "to download it"
                ) from None
            except ValueError as error:
                if "hash" not in str(error).lower():
                    raise
                raise DataFetchError(
                    f"SHA-256 mismatch for {name} from {origin}: expected {entry.sha256}; "
                    "the copy is corrupt or not the pinned version. Replace it with the file at "
                    f"{entry.url} and run `make data` again (nothing was written to {raw_dir})"
                ) from None
            except Exception as error:  # requests' connection errors and the like
                raise DataFetchError(
                    f"could not download {name} from {entry.url} ({type(error).__name__}: {error}). "
                    f"No network? Set {paths.MIRROR_ENV} to a folder holding a copy of the raw files "
                    "laid out like shared/data, then run `make data` again"
                ) from None
            fetched.append(path)
            if progress:
                progress(f"[{index}/{len(selected)}] {name}: sha256 ok ({origin})")
    finally:
        logger.setLevel(previous_level)
    if names is None:
        write_manifest(raw_dir, {name: files[name].sha256 for name in selected})
    return fetched


def write_manifest(raw_dir: Path, hashes: dict[str, str]) -> Path:
    """Write ``MANIFEST.json`` (the verified files and hashes) atomically."""
    target = Path(raw_dir) / MANIFEST_NAME
    atomic_write_text(target, json.dumps({"files": hashes}, indent=2, sort_keys=True) + "\n")
    return target


def verify_raw(raw_dir: Path | None = None, names: Iterable[str] | None = None) -> list[str]:
    """Problems with the fetched raw files: each registered file's presence and SHA-256.

    Parameters
    ----------
    raw_dir : Path, optional
        Folder of the raw files (``data/raw`` by default).
    names : iterable of str, optional
        Registry names to check; all registered files by default.

    Returns
    -------
    list of str
        One line per missing or corrupt file, naming it and the command that repairs it.
    """
    raw_dir = Path(raw_dir or paths.RAW)
    files = raw_files()
    problems = []
    for name in sorted(names if names is not None else files):
        path = raw_dir / name
        if not path.is_file():
            problems.append(f"raw file {shown(path)} is missing: run `make data` to fetch it")
        elif sha256_of(path) != files[name].sha256:
            problems.append(f"raw file {shown(path)} does not match its pinned SHA-256 (corrupt or replaced): "
                            "run `make data` to fetch it again")
    return problems


def check_raw(raw_dir: Path | None = None, names: Iterable[str] | None = None) -> None:
    """Raise :class:`DataFetchError` (the first problem, in one line) unless the raw files are intact."""
    problems = verify_raw(raw_dir, names)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DataFetchError(problems[0] + more)


# ---------------------------------------------------------------- reading raw files
def read_rda(path: Path) -> pd.DataFrame:
    """Read the single data frame stored in an ``.rda`` file (one-line :class:`DataFetchError` if it cannot)."""
    try:
        frames = pyreadr.read_r(str(path))
    except Exception as error:  # pyreadr's and librdata's errors share no base class
        raise DataFetchError(
            f"raw file {shown(path)} cannot be read as R data ({type(error).__name__}: "
            f"{' '.join(str(error).split())[:160]}): run `make data` to fetch it again"
        ) from None
    if len(frames) != 1:
        raise DataFetchError(f"raw file {shown(path)}: expected one data frame, found {list(frames)}: "
                             "run `make data` to fetch it again")
    return next(iter(frames.values()))


def read_json(path: Path) -> dict:
    """Read a JSON raw file (one-line :class:`DataFetchError` if it cannot)."""
    try:
        with open(path, encoding="utf-8") as handle:
            parsed = json.load(handle)
    except (ValueError, OSError) as error:  # includes UnicodeDecodeError and JSONDecodeError
        raise DataFetchError(
            f"raw file {shown(path)} cannot be read as JSON ({type(error).__name__}): run `make data` to fetch it again"
        ) from None
    if not isinstance(parsed, dict):
        raise DataFetchError(f"raw file {shown(path)} is not a JSON object: run `make data` to fetch it again")
    return parsed


def read_raw(name: str, raw_dir: Path | None = None) -> pd.DataFrame | dict:
    """Read a registered raw file by its registry name.

    ``.rda`` files give their data frame, ``.json`` files the parsed object
    (a dict), ``.csv`` files a comma-separated table and anything else
    (``UNlocations.txt``) a tab-separated one.
    """
    path = raw_path(name, raw_dir)
    if path.suffix == ".rda":
        return read_rda(path)
    if path.suffix == ".json":
        return read_json(path)
    separator, kind = (",", "comma") if path.suffix == ".csv" else ("\t", "tab")
    try:
        return pd.read_csv(path, sep=separator, encoding="utf-8", keep_default_na=path.suffix != ".csv")
    except (ValueError, OSError) as error:  # includes UnicodeDecodeError and pandas' ParserError
        raise DataFetchError(
            f"raw file {shown(path)} cannot be read as {kind}-separated text ({type(error).__name__}): "
            "run `make data` to fetch it again"
        ) from None
