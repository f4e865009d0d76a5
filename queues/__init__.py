"""Routing: tiers, priority, rep presence, assigning callers to reps, manager escalations."""
