"""Load benchmark of the shop: `make bench` (see bench/run.py and bench/RESULTS.md)."""
