"""Cases (projects and dilemmas) and their discussion threads."""
