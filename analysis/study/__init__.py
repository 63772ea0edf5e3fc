"""Layer 3, study: the questions the repository answers, as DataFrames.

Demographic indicators (``indicators``), destination demand and supply
(``demand``), skills-partnership pathways (``pathways``), the cited dataset of real
partnerships (the ``partnerships`` package: ``records``, checked against its quotes with
``quotes``, and its analysis: ``summaries``, ``unit_costs``, and ``as_pathways`` for
partnerships as pathway parameters), skills supply
by education set against destination demand (``skills``), migrant-stock
indicators and remittances (``migration``), the emigration model
(``emigration``), scenarios against a reference scenario
(``scenario_contrasts``) and probabilistic answers: intervals for any location,
age band and year, changes, support ratios, exceedance probabilities and
replacement migration as a distribution (``uncertainty``).  Imports only the
data and model layers.
"""
