"""Page-view counts: recorded outside the database on each view, added to it in batches."""
