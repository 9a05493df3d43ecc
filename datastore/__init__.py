"""Data workspace: dataset schemas, tolerant readers for French files, validation,
importers, the embedded transactional store (SQLite) and the embedded default data.

Nothing here imports streamlit. `ui/cache.py` caches reads keyed on the store revision.
"""
