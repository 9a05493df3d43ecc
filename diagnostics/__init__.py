"""Pure indicator computations. Never imports streamlit, never mutates its inputs.

Every published indicator is declared in `diagnostics.registry`.
"""
