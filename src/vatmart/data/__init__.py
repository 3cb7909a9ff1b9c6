"""vatmart.data (see the package docstring)."""
