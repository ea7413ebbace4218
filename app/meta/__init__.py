"""Reference data for clients: every code with its official label, so that no client hard-codes a label."""
