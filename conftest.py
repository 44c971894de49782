"""Loads golive's pytest entry point (also registered through the pytest11 entry point); no logic here."""

pytest_plugins = ["golive.activation"]
