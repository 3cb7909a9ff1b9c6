"""Simulation: the pybullet world and flying gripper, the depth camera, tasks and the trajectory format."""
