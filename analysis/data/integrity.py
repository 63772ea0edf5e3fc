"""The data's checksums, checked before Make decides what to rebuild (``python -m analysis verify``).

Make compares modification times only, so a raw file or a processed table that
was deleted or corrupted after its manifest was written would look up to date.
``make data`` therefore runs :func:`verify` first: a raw file that is missing
or does not match its pinned SHA-256 is removed with ``data/raw/MANIFEST.json``,
and a processed table that is missing or does not match
``data/processed/manifest.json`` is removed with that manifest.  Make then
finds those targets missing, fetches what is needed and rebuilds the tables.
"""

from __future__ import annotations

from pathlib import Path

from analysis import paths
from analysis.data import sources
from analysis.data.tables import MANIFEST_NAME, TABLE_KEYS, check_processed, table_path, verify_table
from analysis.errors import DataError


def verify(raw_dir: Path | None = None, processed_dir: Path | None = None, remove: bool = True) -> list[str]:
    """Check every raw file and processed table; with ``remove``, take away what is corrupt so Make redoes it.

    Parameters
    ----------
    raw_dir, processed_dir : Path, optional
        ``data/raw`` and ``data/processed`` by default.
    remove : bool
        Remove corrupt files and the manifest that vouches for them.  Without
        it, a folder not fetched or built yet is a problem too; with it, that
        is left to Make.

    Returns
    -------
    list of str
        One line per problem found (empty when everything matches).
    """
    raw_dir = Path(raw_dir or paths.RAW)
    processed_dir = Path(processed_dir or paths.PROCESSED)
    problems = []
    raw_manifest = raw_dir / sources.MANIFEST_NAME
    if raw_manifest.exists():
        raw_problems = sources.verify_raw(raw_dir)
        if raw_problems and remove:
            for name in sources.raw_files():
                path = raw_dir / name
                if path.is_file() and sources.verify_raw(raw_dir, [name]):
                    path.unlink()
            raw_manifest.unlink(missing_ok=True)
        problems += raw_problems
    elif not remove:
        problems.append(f"the raw files in {raw_dir} are not fetched ({sources.MANIFEST_NAME} is missing): "
                        "run `make data` to fetch them")
    manifest = processed_dir / MANIFEST_NAME
    if manifest.exists():
        processed_problems = check_processed(processed_dir)
        if processed_problems and remove:
            for name in TABLE_KEYS:
                path = table_path(name, processed_dir)
                try:
                    verify_table(path)
                except DataError:
                    path.unlink(missing_ok=True)
            manifest.unlink(missing_ok=True)
        problems += processed_problems
    elif not remove:
        problems += check_processed(processed_dir)  # says that the tables are not built
    return problems
