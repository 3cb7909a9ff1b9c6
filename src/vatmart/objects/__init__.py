"""vatmart.objects (see the package docstring)."""
