"""Layer 4, report: what the notebooks show and the site that publishes them.

Colours (``palette``, one per variant, scenario, sex, region, education level,
track), figures (``plotting``; fan charts of probabilistic projections: ``fan_charts``) and maps (``maps``), tables as HTML with a text
form (``tables``), sentences (``prose``), headlines and their rules
(``headlines``), sources and provenance (``provenance``, and the files read
with their SHA-256: ``file_provenance``), country profiles (``profiles``), and
the report site: the matrix (``matrix``),
building one report (``runner``), the index page (``site_index``) and the
methods page (``methods``).  May import every other layer.
"""
