"""Application landscape per gemeente, alternatives, side-by-side comparison, procurement lists and case requirements."""
