"""Agencies (机关) and their deadline policies."""
