"""Benchmarks at full size (`make bench`): see bench/__main__.py."""
