"""Accounts: registration, login, profiles and site roles."""
