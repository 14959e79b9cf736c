"""Persistence of the social graph and its content: the `Store` seam and its engines."""
