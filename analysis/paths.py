"""Repository paths, resolved from the package location.

Nothing here touches the file system at import time: notebooks run by
papermill, JupyterLab and nbval each start in a different working directory,
so every path is absolute and derived from this file.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
DATA = ROOT / "data"
RAW = DATA / "raw"
PROCESSED = DATA / "processed"
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"

#: Environment variable naming a local folder laid out like the data mirror
#: (``wpp2024/…``, ``gdidata/…``); when set, raw files are copied from there.
MIRROR_ENV = "LMS_DATA_MIRROR"


def mirror_dir() -> Path | None:
    """Return the data mirror folder named by ``LMS_DATA_MIRROR``, or None."""
    value = os.environ.get(MIRROR_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else None


def processed(name: str) -> Path:
    """Path of the processed table ``name`` (without extension)."""
    return PROCESSED / f"{name}.parquet"
