"""Interaction data: scenes, the scripted expert, exploration, collection engines and shards."""
