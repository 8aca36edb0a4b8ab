"""Django's database session store, run in the system context: `django_session` holds every
member's session secret, so members' database role may not read it (it is under RLS with no
member policy), while a view may still rotate or end the visitor's own session."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from yalls.core.db_context import system_context


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        with system_context():
            return super()._get_session_from_db()

    def exists(self, session_key):
        with system_context():
            return super().exists(session_key)

    def save(self, must_create=False):
        with system_context():
            return super().save(must_create=must_create)

    def delete(self, session_key=None):
        with system_context():
            return super().delete(session_key)

    @classmethod
    def clear_expired(cls):
        with system_context():
            return super().clear_expired()
