"""Working together: partner gemeenten on cases and adoptions of projects that scale."""
