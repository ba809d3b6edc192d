"""Events: the offline half of the network (network days, congresses, their sessions)."""
