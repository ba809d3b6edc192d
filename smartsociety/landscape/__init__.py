"""Application landscapes with alternatives, comparison, procurement lists and requirements."""
