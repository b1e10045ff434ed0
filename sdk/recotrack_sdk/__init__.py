"""Typed client and wire models for the recotrack API."""
