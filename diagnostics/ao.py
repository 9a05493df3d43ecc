"""Placeholder: filled by its issue."""

INDICATORS = ()
