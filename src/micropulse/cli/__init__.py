"""Command-line interface (typer). One module per command; ``app.py`` wires them."""
