"""golive: a production deployment checklist run as pytest tests, ending in a GO / NO-GO sign-off."""

__version__ = "0.1.0"
