"""``python -m analysis``: the command line (:mod:`analysis.cli`, one module per command)."""

from analysis.cli import main, run

__all__ = ["main", "run"]

if __name__ == "__main__":
    run()
