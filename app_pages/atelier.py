"""Vue atelier (élus): the pre-diagnostic as a presentation, one message per screen.

The URL reopens the same screen: ?niveau=epci&code=...&diapo=3 (or ?ctg=...&diapo=2)."""

from __future__ import annotations

from ui import atelier

atelier.render()
