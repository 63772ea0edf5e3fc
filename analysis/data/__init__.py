"""Layer 1, data: raw files to processed tables.

Grids and conventions (``conventions``), table machinery (``tables``), the
registry and fetching of raw files (``sources``), cleaning of WPP 2024
(``wpp``), locations, groups and aliases (``locations``), migrant stocks and WDI
(``stocks``), country shapes for maps (``country_shapes``), and the build
pipeline (``build``).  Imports only
``analysis.paths`` and ``analysis.errors``.
"""
