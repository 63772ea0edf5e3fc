"""Layer 3, study: the questions the repository answers, as DataFrames.

Demographic indicators (``indicators``), destination demand and supply
(``demand``), skills-partnership pathways (``pathways``) and the dataset of real
partnerships (``partnerships``), skills supply by education set against
destination demand (``skills``), migrant-stock indicators and remittances
(``migration``), and the emigration model (``emigration``).  Imports only the
data and model layers.
"""
