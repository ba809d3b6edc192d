"""Signals between features that must not import each other (blinker, as Flask's own)."""
from blinker import Namespace

_signals = Namespace()

# Sent with the User as sender once the member proved they read mail at their address (at
# registration or after changing it); receivers may grant what a verified address earns.
email_verified = _signals.signal("email-verified")
