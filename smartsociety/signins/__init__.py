"""Sign-in history: what the site records of each sign-in, shows the member, and forgets."""
