"""The marketplace: solution listings, offers on cases, use reviews and contact messages."""
