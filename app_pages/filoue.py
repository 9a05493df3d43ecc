"""Profils Filoué: who attends each EAJE (see ui/filoue.py and diagnostics/filoue.py)."""

from ui import filoue

filoue.render()
