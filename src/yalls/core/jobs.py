"""Background jobs (Procrastinate, PostgreSQL-backed). Tasks live in each app's tasks.py.

Jobs run in the system database context (the owner role): they act for the platform, and load
fresh state by id. Defer them inside the business transaction so a rolled-back write leaves none.
"""

from procrastinate.contrib.django import app

__all__ = ["app"]
