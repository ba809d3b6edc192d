"""The home page, the language switch and other site-wide pages."""
