"""Layer 3, study: the questions the repository answers, as DataFrames.

Demographic indicators (``indicators``), destination demand and supply
(``demand``), skills-partnership pathways (``pathways``) and the dataset of real
partnerships (``partnerships``), migrant-stock indicators and remittances
(``migration``), the emigration model (``emigration``) and scenarios against a
reference scenario (``scenario_contrasts``).  Imports only the
data and model layers.
"""
