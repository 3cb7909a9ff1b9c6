"""Perception (torch): backbones, the scoring / proposal / actionability modules, training, inference."""
