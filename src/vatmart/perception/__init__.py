"""vatmart.perception (see the package docstring)."""
