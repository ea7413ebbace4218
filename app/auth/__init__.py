"""Identities and what they may do. The permission table itself is ``app.domain.roles``."""
