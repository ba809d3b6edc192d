"""Two-factor sign-in with time-based one-time passwords (TOTP) and recovery codes."""
