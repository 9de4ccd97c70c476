"""factory_boy factories for Cadenza rows; bound to the test's session by the `session` fixture."""

from __future__ import annotations

import factory
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import Session

from tenants.models import Agency, ApiToken, Client, Membership, SocialAccount, User
from tenants.services.tokens import hash_secret

PASSWORD = "correct horse battery"
_FAST = PasswordHasher(memory_cost=1024, time_cost=1)
PASSWORD_HASH = _FAST.hash(PASSWORD)


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = None
        sqlalchemy_session_persistence = "commit"


class AgencyFactory(_Base):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@agency.example")
    name = factory.Sequence(lambda n: f"User {n}")
    password_hash = PASSWORD_HASH


class ClientFactory(_Base):
    class Meta:
        model = Client

    agency_id = factory.LazyFunction(lambda: AgencyFactory().id)
    name = factory.Sequence(lambda n: f"Client {n}")
    slug = factory.Sequence(lambda n: f"client-{n}")


class MembershipFactory(_Base):
    class Meta:
        model = Membership

    user_id = factory.LazyFunction(lambda: UserFactory().id)
    agency_id = factory.LazyFunction(lambda: AgencyFactory().id)
    role = "owner"


class SocialAccountFactory(_Base):
    class Meta:
        model = SocialAccount

    network = "mastodon"
    remote_id = factory.Sequence(lambda n: str(5000 + n))
    handle = factory.Sequence(lambda n: f"@brand{n}@mastodon.example")
    display_name = "Brand"


_FACTORIES = (AgencyFactory, UserFactory, ClientFactory, MembershipFactory, SocialAccountFactory)


def bind(session: Session | None) -> None:
    """Point every factory at the test's session."""
    for f in _FACTORIES:
        f._meta.sqlalchemy_session = session


def member(
    agency: Agency,
    role: str = "owner",
    *,
    client: Client | None = None,
    limited_to: list[Client] | None = None,
    **user_fields,
) -> User:
    """A user with a membership of the given role in the agency."""
    user = UserFactory(**user_fields)
    membership = MembershipFactory(
        user_id=user.id,
        agency_id=agency.id,
        role=role,
        client_id=client.id if client else None,
        limited=bool(limited_to),
    )
    if limited_to:
        membership.limited_clients = list(limited_to)
        session = MembershipFactory._meta.sqlalchemy_session
        session.commit()
    return user


def api_token(agency: Agency, plaintext: str = "cdz_test-token-1234567890") -> str:
    """Store an API token for the agency and return its plaintext."""
    session = AgencyFactory._meta.sqlalchemy_session
    session.add(
        ApiToken(agency_id=agency.id, name="tests", prefix=plaintext[:10], token_hash=hash_secret(plaintext))
    )
    session.commit()
    return plaintext


def login(test_client, user: User) -> None:
    """Log a Flask test client in as the user (what a successful login stores in the session)."""
    with test_client.session_transaction() as sess:
        sess["_user_id"] = user.session_id
        sess["_fresh"] = True


def membership_of(user: User, agency: Agency) -> Membership:
    """The user's membership row in the agency."""
    session = AgencyFactory._meta.sqlalchemy_session
    return session.query(Membership).filter_by(user_id=user.id, agency_id=agency.id).one()


def draft_post(client: Client, author: User, accounts: list[SocialAccount], text: str, **data):
    """A draft post written through the service, as the composer saves it."""
    from tenants.services import posts

    session = AgencyFactory._meta.sqlalchemy_session
    agency = session.get(Agency, client.agency_id)
    post = posts.create_post(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        membership=membership_of(author, agency),
        actor=author,
        data={"text": text, "targets": [a.id for a in accounts], **data},
    )
    session.commit()
    return post
