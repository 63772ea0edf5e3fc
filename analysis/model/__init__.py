"""Layer 2, model: projections.

The cohort-component engine (``projection``), demographic methods
(``demography``), the adapter from processed tables to engine inputs
(``inputs``), the one parameter set of a labour pathway and its people year by
year (``pathway_flows``), scenarios as data (``scenarios``), replacement migration solved directly
from the engine's linearity (``replacement``), probabilistic projections
(``trajectories``: WPP's published uncertainty sampled and projected
trajectory by trajectory, with parameters in ``trajectories.yml`` fitted by
``calibration``; run in chunks through Dask by ``trajectory_runs`` and cached
by ``trajectory_cache``) and the validation against WPP 2024, deterministic
and probabilistic (``validation``).  Imports only the data layer.
"""
