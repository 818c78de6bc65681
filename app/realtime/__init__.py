"""Live updates: the events log (and, from the live issue on, the broker and stream)."""
