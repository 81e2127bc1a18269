"""Contenders, one package each. Each registers a ``harness.system.System`` subclass."""
