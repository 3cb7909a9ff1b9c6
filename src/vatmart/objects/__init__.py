"""Articulated objects: the procedural furniture generator, URDF / PartNet-Mobility folder I/O, splits."""
