"""The case register: applications, their timeline of procedural steps, and the deadlines derived from it."""
