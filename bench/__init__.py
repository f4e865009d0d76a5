"""Benchmarks, run by hand: they print figures, they do not pass or fail."""
