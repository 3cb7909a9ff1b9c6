"""vatmart: VAT-Mart ("Learning Visual Action Trajectory Proposals for Manipulating 3D ARTiculated Objects")
re-implemented for CPUs, with procedural articulated furniture in pybullet.

This is a CPU re-implementation with procedural objects, not a reproduction of the paper's numbers.
Layers: ``objects`` (generator, PartNet-Mobility loader, splits) -> ``sim`` (pybullet world, camera, tasks,
trajectory format) -> ``data`` (scenes, expert, collection, shards) -> ``rl`` (TD3 + curiosity loop) and
``perception`` (networks, training) -> ``evaluation`` and ``cli``. Only ``rl.td3``, ``rl.loop``,
``perception`` and ``pipeline`` import torch.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
