"""Benchmarks with budgets: `python -m bench` runs every bench/bench_*.py (see README.md)."""
