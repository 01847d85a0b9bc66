"""Benchmarks that print figures (accuracy, speed); run them as ``python -m benchmarks.NAME``."""
