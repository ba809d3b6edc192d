"""Atom feeds (RFC 4287) of cases, themes, tags, principles, organisations and searches."""
