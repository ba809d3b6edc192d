"""Moderation: reports, the review queue, sanctions and the audit log."""
