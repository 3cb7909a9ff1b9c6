"""vatmart.evaluation (see the package docstring)."""
