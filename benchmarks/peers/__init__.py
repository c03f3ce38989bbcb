"""Peer engines run in the same harness, on the same data, with the same EMA-cross rules."""
