"""Follow and notify: following things, notifications, e-mail digests."""
