"""Which database role a connection acts as: the owner (migrations, test database setup) versus the
app login role, which each checkout puts in the system role."""

from contextlib import contextmanager


def enter_system_role(sender, connection, **kwargs) -> None:
    """`connection_created` (every checkout, pooled or not): the app role starts each use in the
    system role, whatever the last user of a pooled connection left behind (a `RESET ROLE`, say).
    Django's own `assume_role` option deadlocks with its pool, hence this."""
    from django.conf import settings

    if connection.vendor != "postgresql":
        return
    if connection.settings_dict.get("USER") != settings.YALLS_DB_APP_ROLE:
        return  # the owner, during migrations and test database setup
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT set_config('role', %s, false)", [settings.YALLS_DB_SYSTEM_ROLE])


def _close(connection) -> None:
    connection.close()
    if getattr(connection, "pool", None) is not None:
        connection.close_pool()


@contextmanager
def as_owner(alias: str = "default"):
    """Run the block connected as the schema owner (creating/migrating/dropping databases).
    Everything else connects as the app role."""
    from django.conf import settings
    from django.db import connections

    connection = connections[alias]
    owner = settings.DATABASE_OWNER
    settings_dict = connection.settings_dict
    if settings_dict["USER"] == owner["USER"]:
        yield
        return
    saved = settings_dict["USER"], settings_dict["PASSWORD"]
    _close(connection)
    settings_dict["USER"], settings_dict["PASSWORD"] = owner["USER"], owner["PASSWORD"]
    try:
        yield
    finally:
        _close(connection)
        settings_dict["USER"], settings_dict["PASSWORD"] = saved
