"""E-mail verification: links that prove a member reads mail at their address, and changing it."""
