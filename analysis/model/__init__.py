"""Layer 2, model: projections.

The cohort-component engine (``projection``), demographic methods
(``demography``), the adapter from processed tables to engine inputs
(``inputs``), the one parameter set of a labour pathway and its people year by
year (``pathway_flows``), scenarios as data (``scenarios``), replacement migration solved directly
from the engine's linearity (``replacement``) and the engine's validation
against WPP 2024 (``validation``).  Imports only the data layer.
"""
