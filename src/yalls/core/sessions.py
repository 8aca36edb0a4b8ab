"""Django's database session store, run in the system context: `django_session` holds every
member's session secret, so members' database role may not read it (it is under RLS with no
member policy), while a view may still rotate or end the visitor's own session."""

from contextlib import nullcontext

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from yalls.core.db_context import in_member_context, system_context


def _as_system():
    # Outside a member context (the middleware loads and saves the session around it) the
    # connection already is in the system role: no switch, no extra queries.
    return system_context() if in_member_context() else nullcontext()


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        with _as_system():
            return super()._get_session_from_db()

    def exists(self, session_key):
        with _as_system():
            return super().exists(session_key)

    def save(self, must_create=False):
        with _as_system():
            return super().save(must_create=must_create)

    def delete(self, session_key=None):
        with _as_system():
            return super().delete(session_key)

    @classmethod
    def clear_expired(cls):
        with _as_system():
            return super().clear_expired()
