"""Row-level security of entities: public profiles, written only by their owners and managers."""

from yalls.core.rls import UID, Policies, protect, reference

reference("entities_entitykind", "the kind list")
_MANAGES = "app.manages_entity(id)"
protect(
    Policies(
        "entities_entity",
        read="true",
        insert=f"owner_id = {UID}",
        update=_MANAGES,
        delete=_MANAGES,
        why="public profiles",
    ),
    Policies(
        "entities_entitymember",
        read="true",
        insert="app.manages_entity(entity_id)",
        update="app.manages_entity(entity_id)",
        delete=f"app.manages_entity(entity_id) OR member_id = {UID}",
        why="who runs an entity is public; managers change it, anyone may leave",
    ),
    Policies(
        "entities_horse",
        read="true",
        insert="app.manages_entity(entity_id)",
        update="app.manages_entity(entity_id)",
        delete="app.manages_entity(entity_id)",
        why="horse details of a horse entity",
    ),
    Policies(
        "entities_entitycontact",
        read="true",
        insert="app.manages_entity(entity_id)",
        update="app.manages_entity(entity_id)",
        delete="app.manages_entity(entity_id)",
        why="an entity's public address, phone, website and hours",
    ),
    Policies(
        "entities_entityphoto",
        read="true",
        insert="app.manages_entity(entity_id)",
        update="app.manages_entity(entity_id)",
        delete="app.manages_entity(entity_id)",
        why="an entity's public gallery",
    ),
    Policies(
        "entities_entitycontact",
        read="true",
        insert="app.manages_entity(entity_id)",
        update="app.manages_entity(entity_id)",
        delete="app.manages_entity(entity_id)",
        why="where and how to reach an entity: public, kept by its managers",
    ),
    Policies(
        "entities_entityphoto",
        read="true",
        insert="app.manages_entity(entity_id)",
        update="app.manages_entity(entity_id)",
        delete="app.manages_entity(entity_id)",
        why="an entity's gallery",
    ),
    Policies(
        "entities_edge",
        read=(
            f"status = 'accepted' OR created_by_id = {UID} "
            "OR app.manages_entity(source_id) OR app.manages_entity(target_id)"
        ),
        insert=(
            f"created_by_id = {UID} "
            "AND (app.manages_entity(source_id) OR app.manages_entity(target_id))"
        ),
        update="app.manages_entity(source_id) OR app.manages_entity(target_id)",
        delete="app.manages_entity(source_id) OR app.manages_entity(target_id)",
        why="accepted edges are public; pending and rejected ones belong to the two sides' managers",
    ),
)
