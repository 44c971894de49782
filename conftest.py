"""Loads the golive plugin (also registered through the pytest11 entry point); no logic here."""

pytest_plugins = ["golive.plugin"]
