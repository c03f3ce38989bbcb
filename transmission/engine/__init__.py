"""The engine: the orchestrator and the parts it wires.

- `build`: the composition root (parts from a config; the one live-engine factory);
- `orchestrator`: feeds bars through the parts; `parts`: what it is handed;
- `pipeline` (live) and `replay` (prepared history): bars to signals, one interface;
- `fast_forward` and `plan`: the bars a replay may step over; `exits`: the session exits;
- `event_factory`, `events`, `bus`: what happened and who hears it; `status`: what it shows;
- `runner` and `live`: a run bound to a journal, and one on a live-like feed in a thread.
"""
