"""factory-boy factories. They create rows through the services, like members do."""

import factory

from yalls.accounts import services as account_services
from yalls.accounts.models import User
from yalls.entities import services as entity_services
from yalls.entities.kinds import entity_kinds_ensure
from yalls.entities.models import Entity

PASSWORD = "correct-horse-battery"


class MemberFactory(factory.Factory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"member{n}@example.test")
    handle = factory.Sequence(lambda n: f"member_{n}")
    display_name = factory.Faker("name")
    password = PASSWORD
    role = User.Role.MEMBER
    email_verified = True

    @classmethod
    def _create(cls, model_class, **kwargs):
        return account_services.member_create(**kwargs)


class EntityFactory(factory.Factory):
    class Meta:
        model = Entity

    actor = factory.SubFactory(MemberFactory)
    handle = factory.Sequence(lambda n: f"entity_{n}")
    display_name = factory.Sequence(lambda n: f"Entity {n}")
    kind = "farm"

    @classmethod
    def _create(cls, model_class, **kwargs):
        entity_kinds_ensure()
        return entity_services.entity_create(**kwargs)
