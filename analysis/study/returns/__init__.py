"""Large return movements, cited: the dataset and its loader.

``events`` loads ``data/`` (schema in ``data/RETURNS.md``) and checks every value against its verbatim
quote; it also holds the migrant numbers governments and agencies report for corridors that UN DESA's
stocks miss (``reported_stocks.csv``).
"""
