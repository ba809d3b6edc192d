"""The sensor register: who measures what, where and why in the public space."""
