"""Catalogue of the data sources the application uses (producer, year, licence, files).

The UI reads credits from here; tests check every shipped file is catalogued.
"""
