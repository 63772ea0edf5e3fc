"""Inside a warm report kernel: the process state a report may change, saved once and restored before each report.

A warm kernel (:mod:`analysis.report.warm_kernel`) executes one report after
another in the same Python process, so that imports are paid once.  For each
report to run as it would in a fresh kernel, :func:`restore` puts back what a
notebook can change beyond its own variables:

- the IPython namespace, output cache and execution counter (``reset``), and
  the ``autoreload`` extension (unloaded: each notebook loads it again, and
  would otherwise print "already loaded");
- open figures (closed), Matplotlib's ``rcParams`` and the inline backend's
  settings (``%config InlineBackend…``);
- warning filters, and the registries that make a warning print once (so a
  warning shown in one report is shown again in the next);
- NumPy's print options and floating-point error handling, pandas' options;
- the random generators of ``random`` and NumPy's legacy global state,
  reseeded from the operating system as in a new process;
- the working folder, ``sys.path`` and the environment variables;
- the package's own ``functools`` caches, except those listed in
  :data:`KEPT_CACHES`, which hand out copies or checks and never an object a
  report could change (processed tables are read once per kernel).

Modules stay imported; their import-time effects on the state above (a style
set when a module is imported, say) are part of what :func:`save` records
after the warm-up imports.  This module is imported only inside the kernel.

One difference from a notebook opened in JupyterLab is deliberate: once a
report's cell has loaded ``autoreload``, it is switched off (``%autoreload
0``).  In a build the package does not change while a report runs (Make
rebuilds the reports when it has), and its check of every loaded module before
each cell took about a quarter of a report's time in a warm kernel.
"""

from __future__ import annotations

import gc
import importlib
import os
import random
import sys
import warnings
from typing import Any, Iterator, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython import get_ipython

from analysis.errors import DataError

#: Package caches kept from one report to the next: each returns a copy (tables) or only checks a file's SHA-256
#: (keyed by its path and modification time), so no report can change what the next one receives.
KEPT_CACHES = frozenset({
    "analysis.data.tables._read_cached",
    "analysis.data.tables._verified",
    "analysis.study.pathways._checked_cost_table",
    # engine inputs: frozen or copied on the way out, arrays read-only (writing to one raises)
    "analysis.model.inputs._built_inputs",
    "analysis.model.inputs._built_quantiles",
    "analysis.model.trajectories._built_sampler",
})

_saved: dict[str, Any] = {}


class KernelStateError(DataError):
    """The kernel's state cannot be restored (nothing was saved, or the kernel is not IPython)."""


def _shell():
    shell = get_ipython()
    if shell is None:
        raise KernelStateError("not running in an IPython kernel")
    return shell


def _pandas_options(wrapper: Any = pd.options, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every pandas option and its value, through ``pd.options`` (deprecated options included)."""
    for key in dir(wrapper):
        value = getattr(wrapper, key)
        if isinstance(value, type(pd.options)):
            yield from _pandas_options(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _inline_backend():
    """The inline backend's configurable object (``%config InlineBackend…``), when it is loaded."""
    module = sys.modules.get("matplotlib_inline.backend_inline")
    return module.InlineBackend.instance() if module is not None else None


def package_caches() -> dict[str, Any]:
    """The ``functools`` caches of the package's imported modules, by qualified name."""
    found = {}
    for name, module in list(sys.modules.items()):
        if name != "analysis" and not name.startswith("analysis.") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if callable(value) and hasattr(value, "cache_clear") and getattr(value, "__module__", None) == name:
                found[f"{name}.{attribute}"] = value
    return found


def warm_up(imports: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Import what the notebooks import, then :func:`save` the state every report starts from.

    Parameters
    ----------
    imports : sequence of (module, names)
        Each module, and the names imported from it (a name that is a
        submodule, such as ``plotting`` in ``from analysis.report import
        plotting``, is imported too).  A module that cannot be imported is
        skipped: the notebook that imports it reports the error itself.
    """
    for module, names in imports:
        try:
            loaded = importlib.import_module(module)
            for name in names:
                if not hasattr(loaded, name):
                    importlib.import_module(f"{module}.{name}")
        except ImportError:
            continue
    save()


def _autoreload_off(result: Any = None) -> None:
    """After each cell: switch ``autoreload`` off if the cell loaded it (see the module notes)."""
    shell = get_ipython()
    if shell is not None and {"autoreload", "IPython.extensions.autoreload"} & shell.extension_manager.loaded:
        shell.run_line_magic("autoreload", "0")


def save() -> None:
    """Record the state :func:`restore` puts back (call once, after the warm-up imports)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        options = dict(_pandas_options())
    backend = _inline_backend()
    # what the warm-up imported lives as long as the kernel: leave it out of every later garbage collection
    gc.collect()
    gc.freeze()
    shell = _shell()
    if _autoreload_off not in shell.events.callbacks["post_run_cell"]:
        shell.events.register("post_run_cell", _autoreload_off)
    _saved.clear()
    _saved.update(
        cwd=os.getcwd(), environ=dict(os.environ), path=list(sys.path), filters=list(warnings.filters),
        rc=dict(matplotlib.rcParams), printoptions=np.get_printoptions(), errors=np.geterr(), pandas=options,
        inline={name: getattr(backend, name) for name in backend.trait_names(config=True)} if backend else None,
    )


def _is_autoreload(owner: Any) -> bool:
    return type(owner).__name__ == "AutoreloadMagics"


def _unload_autoreload(shell) -> None:
    """Unload IPython's autoreload extension, which offers no unload function of its own.

    Its event callbacks, magics and the object itself (IPython keeps every
    magics object among the shell's configurables) are removed, so that the
    next ``%load_ext autoreload`` loads it afresh and the old one, with the
    module sources it read, is freed.
    """
    for event, callbacks in shell.events.callbacks.items():
        for callback in list(callbacks):
            if _is_autoreload(getattr(callback, "__self__", None)):
                shell.events.unregister(event, callback)
    for table in shell.magics_manager.magics.values():
        for name, function in list(table.items()):
            if _is_autoreload(getattr(function, "__self__", None)):
                del table[name]
    shell.magics_manager.registry.pop("AutoreloadMagics", None)
    shell.configurables[:] = [item for item in shell.configurables if not _is_autoreload(item)]
    shell.extension_manager.loaded.discard("autoreload")
    shell.extension_manager.loaded.discard("IPython.extensions.autoreload")


def restore() -> None:
    """Give the next report a fresh start: see the module notes for what is restored.

    Raises
    ------
    KernelStateError
        When :func:`save` has not run in this kernel (the kernel must then be restarted).
    """
    if not _saved:
        raise KernelStateError("no saved kernel state to restore: the kernel was not warmed up")
    shell = _shell()
    _unload_autoreload(shell)
    plt.close("all")
    shell.reset(new_session=True)
    os.chdir(_saved["cwd"])
    if dict(os.environ) != _saved["environ"]:
        os.environ.clear()
        os.environ.update(_saved["environ"])
    sys.path[:] = _saved["path"]
    warnings.filters[:] = _saved["filters"]
    warnings.onceregistry.clear()
    for module in list(sys.modules.values()):
        registry = getattr(module, "__warningregistry__", None)
        if isinstance(registry, dict):
            registry.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(_saved["rc"])
        for key, value in _pandas_options():
            if key in _saved["pandas"] and value is not _saved["pandas"][key] and value != _saved["pandas"][key]:
                pd.set_option(key, _saved["pandas"][key])
    backend = _inline_backend()
    if backend is not None and _saved["inline"] is not None:
        for name, value in _saved["inline"].items():
            setattr(backend, name, value)
    np.set_printoptions(**_saved["printoptions"])
    np.seterr(**_saved["errors"])
    random.seed()
    np.random.seed()
    for name, cache in package_caches().items():
        if name not in KEPT_CACHES:
            cache.cache_clear()
    gc.collect()

