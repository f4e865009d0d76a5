"""Customers, reps, cases and the call log: models and Redis repositories, the system of record."""
