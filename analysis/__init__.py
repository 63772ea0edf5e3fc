"""Labour-mobility scenarios: cleaning, indicators and projections on WPP 2024 and related data.

Modules are imported explicitly (``from analysis import indicators``); importing
the package does no I/O and no logging.
"""

__version__ = "0.1.0"
