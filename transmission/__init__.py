"""transmission."""
