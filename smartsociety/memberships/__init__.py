"""Memberships: claims on an organisation, their verification (by e-mail domain, organisation
administrator or moderator), organisation administrators and e-mail domains (issue 15)."""
