"""Schéma départemental des services aux familles (SDSF, circulaire §1.1.2)."""

from __future__ import annotations

from ui import sdsf as ui_sdsf
from ui import state

ui_sdsf.render_page(state.current_territory())
