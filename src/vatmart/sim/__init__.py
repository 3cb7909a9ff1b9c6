"""vatmart.sim (see the package docstring)."""
