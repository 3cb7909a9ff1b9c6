"""vatmart.rl (see the package docstring)."""
