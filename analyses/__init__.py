"""The analysis layer: one pure function per screen subject, shared by pages and reports.

Between `diagnostics/` (indicator computations) and the views: `ui/` caches and renders
these results, `reports/` formats the same results into PDF and XLSX, so the page, the PDF,
the batch and the workshop of one subject show the same figures by construction. Results
are frozen dataclasses; the frames they hold are read-only by convention (never mutated
after they are returned). No streamlit here (tests/unit/test_architecture.py).
"""
