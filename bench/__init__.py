"""Helpline load benchmarks: python -m bench run --help."""
