"""A long-lived Jupyter kernel that executes report notebooks one after another, each from a fresh start.

Starting a kernel and importing pandas, Matplotlib, seaborn and the package
take most of a cold report's time.  :class:`WarmKernel` pays for them once: it
starts the project kernel, imports every module the notebooks import, and has
the kernel record the state a report may change
(:mod:`analysis.report.kernel_state`).  Before each notebook that state is
restored and the namespace emptied, so a report's outputs do not depend on the
reports run before it on the same kernel.

Notebooks are parameterised and executed by papermill, through its engine
interface (:class:`WarmKernelEngine` hands papermill's notebook client the
running kernel), so parameter injection, cell metadata and
:class:`papermill.PapermillExecutionError` are papermill's own.  The kernel is
replaced every ``restart_every`` notebooks, to cap its memory, and after any
failure other than an error in a cell (a dead or hung kernel, a state that
could not be restored).
"""

from __future__ import annotations

import ast
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping, Sequence

import papermill
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

from analysis import paths
from analysis.errors import DataError

#: The project's Jupyter kernel (registered by `make install`).
KERNEL = "labour-mobility"
#: The papermill engine name under which :class:`WarmKernelEngine` is registered.
ENGINE = "labour-mobility-warm-kernel"
#: Seconds a cell may run before the report fails (nbval allows the same).
CELL_TIMEOUT = 600
#: Seconds to wait for a new kernel and for its warm-up imports.
START_TIMEOUT = 300

_STATE = "__import__('analysis.report.kernel_state', fromlist=['_']).{call}"


class KernelError(DataError):
    """The report kernel could not be started, warmed up or given a fresh start."""


def notebook_imports(notebooks: Sequence[Path]) -> list[tuple[str, list[str]]]:
    """The modules the notebooks' code cells import: ``(module, names imported from it)``, in first-seen order.

    Lines starting with ``%`` or ``!`` (IPython magics) are skipped; a cell
    that is not Python otherwise is ignored.
    """
    found: dict[str, list[str]] = {}
    for notebook in notebooks:
        for cell in json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", []))
            lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
            try:
                tree = ast.parse("\n".join(lines))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        found.setdefault(alias.name, [])
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = found.setdefault(node.module, [])
                    names.extend(alias.name for alias in node.names if alias.name not in names and alias.name != "*")
    return list(found.items())


class WarmKernelEngine(NBClientEngine):
    """A papermill engine executing on a running :class:`WarmKernel` instead of starting a kernel."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, warm_kernel=None, **kwargs):
        """Execute ``nb_man``'s notebook on ``warm_kernel`` (papermill's notebook client, given the kernel)."""
        if warm_kernel is None:
            raise KernelError(f"the {ENGINE} engine needs warm_kernel=<a started WarmKernel>")
        client = PapermillNotebookClient(
            nb_man, km=warm_kernel.manager, kernel_name=kernel_name, timeout=execution_timeout,
            startup_timeout=start_timeout, log=logger, log_output=log_output, stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client.kc = warm_kernel.client  # the running client: nbclient then neither starts nor stops a kernel
        return client.execute()


papermill_engines.register(ENGINE, WarmKernelEngine)


class WarmKernel:
    """One running kernel that executes notebooks in turn, each with a fresh namespace and restored state.

    Parameters
    ----------
    restart_every : int
        Notebooks executed before the kernel is replaced by a new one.
    cwd : Path, optional
        The kernel's working folder (``notebooks/`` by default, as papermill
        ran the reports).
    warm_imports : sequence of (module, names), optional
        What to import before the first report (by default, what the
        notebooks in ``notebooks/`` import; see :func:`notebook_imports`).

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, restart_every: int, cwd: Path | None = None,
                 warm_imports: Sequence[tuple[str, Sequence[str]]] | None = None) -> None:
        if restart_every < 1:
            raise KernelError(f"restart_every must be at least 1, not {restart_every}")
        self.restart_every = restart_every
        self.cwd = Path(cwd or paths.NOTEBOOKS)
        # the inline backend first, so that its settings are among those saved
        self.warm_imports = [("matplotlib_inline.backend_inline", []), *(
            warm_imports if warm_imports is not None else notebook_imports(sorted(paths.NOTEBOOKS.glob("*.ipynb"))))]
        self.manager: AsyncKernelManager | None = None
        self.client = None
        self._sockets: tempfile.TemporaryDirectory | None = None
        self.executed = 0  # notebooks executed by the current kernel
        self.starts = 0  # kernels started so far

    # ------------------------------------------------------------ the kernel
    def start(self) -> None:
        """Start a kernel, import what the notebooks import and record the state each report starts from."""
        self.close()
        # local sockets in a private folder, rather than TCP ports that any local user could connect to
        self._sockets = tempfile.TemporaryDirectory(prefix="lms-kernel-")
        # asynchronous, as nbclient's own: a blocking client would wait forever for the output of a kernel that died
        manager = AsyncKernelManager(kernel_name=KERNEL, transport="ipc",
                                     ip=os.path.join(self._sockets.name, "kernel"))
        try:
            run_sync(manager.start_kernel)(cwd=str(self.cwd), extra_arguments=["--HistoryManager.enabled=False"])
            client = manager.client()
            client.start_channels()
            run_sync(client.wait_for_ready)(timeout=START_TIMEOUT)
        except Exception as error:
            if manager.has_kernel:
                run_sync(manager.shutdown_kernel)(now=True)
            self._sockets.cleanup()
            raise KernelError(f"the {KERNEL} kernel did not start ({type(error).__name__}: "
                              f"{' '.join(str(error).split())}); run `make install` to register it") from None
        client.allow_stdin = False
        self.manager, self.client, self.executed = manager, client, 0
        self.starts += 1
        self._run(_STATE.format(call=f"warm_up({self.warm_imports!r})"), "warm-up")

    def close(self) -> None:
        """Stop the kernel (if one is running)."""
        client, manager, sockets = self.client, self.manager, self._sockets
        self.client = self.manager = self._sockets = None
        if client is not None:
            client.stop_channels()
        if manager is not None and manager.has_kernel:
            run_sync(manager.shutdown_kernel)(now=not run_sync(manager.is_alive)())
        if sockets is not None:
            sockets.cleanup()

    def __enter__(self) -> "WarmKernel":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _run(self, code: str, what: str) -> None:
        """Run code silently in the kernel (nothing stored in its history); raise :class:`KernelError` if it fails."""
        try:
            reply = run_sync(self.client.execute_interactive)(
                code, silent=True, store_history=False, allow_stdin=False, timeout=START_TIMEOUT,
                output_hook=lambda message: None)
        except Exception as error:
            raise KernelError(f"the kernel's {what} did not finish ({type(error).__name__}: "
                              f"{' '.join(str(error).split())})") from None
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise KernelError(f"the kernel's {what} failed: {content.get('ename')}: {content.get('evalue')}")

    def fresh_start(self) -> None:
        """Empty the namespace and restore the saved state; a new kernel when due, or when restoring fails."""
        if self.manager is None or self.executed >= self.restart_every or not run_sync(self.manager.is_alive)():
            self.start()
        try:
            self._run(_STATE.format(call="restore()"), "fresh start")
        except KernelError:
            self.start()
            self._run(_STATE.format(call="restore()"), "fresh start")

    # ------------------------------------------------------------ notebooks
    def execute(self, notebook: Path, output: Path, parameters: Mapping[str, Any] | None = None):
        """Execute ``notebook`` with ``parameters`` into ``output`` (papermill), from a fresh start.

        Returns
        -------
        nbformat.NotebookNode
            The executed notebook (also written to ``output``).

        Raises
        ------
        papermill.PapermillExecutionError
            A cell failed; ``output`` holds the notebook up to that cell.
        KernelError
            The kernel could not be started or given a fresh start.
        """
        self.fresh_start()
        self.executed += 1
        try:
            return papermill.execute_notebook(
                str(notebook), str(output), parameters=dict(parameters or {}), engine_name=ENGINE,
                kernel_name=KERNEL, request_save_on_cell_execute=False, progress_bar=False, log_output=False,
                execution_timeout=CELL_TIMEOUT, warm_kernel=self,
            )
        except papermill.PapermillExecutionError:
            raise
        except BaseException:
            self.executed = self.restart_every  # dead, hung or interrupted: the next report gets a new kernel
            raise
