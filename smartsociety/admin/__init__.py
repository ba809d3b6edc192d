"""Site administration: members and their roles."""
