"""Measurements of nnviz (not tests): run a module with ``python -m benchmarks.<name>``."""
