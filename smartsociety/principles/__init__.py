"""Principles library: versions, consultation, adoption and links to cases."""
