"""The cited dataset of labour-mobility partnerships and its analysis.

``records`` loads ``data/`` (schema in ``data/PARTNERSHIPS.md``) and checks every value against its
verbatim quote; ``summaries`` describes the dataset as a whole (scale, sectors, corridors, women,
coverage of destinations' shortfalls); ``unit_costs`` puts costs per person in euros at one year's
prices; ``as_pathways`` turns a partnership's achieved numbers into pathway-model parameters.
"""
