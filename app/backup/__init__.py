"""Backup and restore: ``gongkai backup FILE`` and ``gongkai restore FILE`` (see ``service``)."""
