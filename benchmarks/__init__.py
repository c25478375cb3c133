"""Benchmarks of possim (``make bench`` runs ``python -m benchmarks``): one ``bench_*.py`` module per subject."""
