"""recotrack: the system of record for the expert group's recommendations."""

__version__ = "0.1.0"
