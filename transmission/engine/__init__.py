"""The engine: events, bus, clock, feeds and the orchestrator that wires the components."""
