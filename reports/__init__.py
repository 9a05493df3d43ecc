"""Exports: French CSV/XLSX tables, PDF pre-diagnostics, batch generation.

Pure Python (no streamlit): pages call these and offer the bytes for download.
"""
