"""Automatic, deterministic scores. They are not judges: they measure coverage, not quality."""
