"""Benchmarks and measurements (`make bench`): each module prints JSON."""
