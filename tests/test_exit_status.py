"""The exit status of a real process is the same every time.

pyarrow's thread pools could abort the interpreter at teardown after the work
was done ("terminate called without an active exception", exit status 134;
apache/arrow#34314), measured 4 times in 34 runs of an error path.  The command
line now ends with ``os._exit`` after flushing (``analysis.__main__.run``), so
one error path that reads Parquet files is run 24 times here, four at a time,
and must give exit status 2 and the same single line every time.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from analysis import paths

RUNS = 24
ERROR_PATH = ["working-age", "--location", "Narnia", "--years", "2025"]  # reads the locations and population tables


def _run(_: int) -> tuple[int, str, str]:
    result = subprocess.run([sys.executable, "-m", "analysis", *ERROR_PATH], capture_output=True, text=True,
                            timeout=300, cwd=paths.ROOT)
    return result.returncode, result.stdout, result.stderr


def test_one_error_path_many_times(processed_dir):
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(_run, range(RUNS)))
    statuses = sorted({status for status, _, _ in results})
    assert statuses == [2], [(status, err[-300:]) for status, _, err in results if status != 2][:3]
    assert {out for _, out, _ in results} == {""}
    messages = {err for _, _, err in results}
    assert len(messages) == 1
    (message,) = messages
    assert message.count("\n") == 1 and message.startswith("error: unknown location 'Narnia'")
