"""Geospatial layer: reference geometries and tables, territory selection, map builders.

Nothing here imports streamlit: the UI caches these plain functions in `ui/cache.py`.
"""
