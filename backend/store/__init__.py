"""Persistence: the schema, its forward migrations, and the repository implementations.

Only this package writes SQL. Callers see plain dataclasses from `records.py`.
"""
