"""Load scenarios (locustfiles), installed as golive.locustfiles."""
