"""The curiosity-driven RL: episodes on privileged state (numpy), TD3 and the interaction loop (torch)."""
