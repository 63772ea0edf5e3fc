"""Layer 1, data: raw files to processed tables.

Grids and conventions (``conventions``), table machinery (``tables``), the
registry and fetching of raw files (``sources``), cleaning of WPP 2024
(``wpp``) and of its probabilistic quantiles (``wpp_intervals``), locations, groups and aliases (``locations``), migrant stocks and WDI
(``stocks``), population by education from the Wittgenstein Centre and its
harmonisation with WPP 2024 (``education``), country shapes for maps
(``country_shapes``), and the build pipeline (``build``).  Imports only
``analysis.paths`` and ``analysis.errors``.
"""
