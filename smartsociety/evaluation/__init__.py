"""Self-evaluation: where a gemeente stands on the Digitale Agenda's themes, beside its peers."""
