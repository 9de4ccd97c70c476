"""Fixtures of the worker tests: the demo client (tests/conftest.py) is shared with the browser tests."""
