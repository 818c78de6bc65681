"""Live updates: the per-process hub, the broker between processes, and the SSE stream."""
