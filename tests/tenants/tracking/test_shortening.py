"""Links become short links once per target and destination; the same text on every retry."""

from __future__ import annotations

from sqlalchemy import func, select

from tenants.models import TrackedLink
from tenants.tracking import shortening
from tests.tenants.tracking.conftest import BASE

TEXT = (
    "Prenota (https://shop.example/book?utm_source=x). Menu: https://shop.example/menu, "
    "di nuovo https://shop.example/menu!"
)


def test_each_link_becomes_a_short_link_and_punctuation_stays_outside(session, shop):
    target = shop.targets["x"]
    text = shortening.shorten_links(session=session, target=target, text=TEXT, base_url=BASE)
    session.commit()
    links = session.scalars(select(TrackedLink).order_by(TrackedLink.id)).all()
    assert {link.destination for link in links} == {
        "https://shop.example/book?utm_source=x",
        "https://shop.example/menu",
    }
    codes = {link.destination: link.code for link in links}
    book, menu = codes["https://shop.example/book?utm_source=x"], codes["https://shop.example/menu"]
    assert text == (f"Prenota ({BASE}/l/{book}). Menu: {BASE}/l/{menu}, di nuovo {BASE}/l/{menu}!")
    for link in links:
        assert (link.post_id, link.account_id, link.network, link.client_id) == (
            shop.post.id,
            shop.accounts["x"].id,
            "x",
            shop.client.id,
        )
        assert len(link.code) >= 8 and link.code.isalnum()


def test_a_retry_gets_identical_text_and_no_new_links(session, shop):
    target = shop.targets["x"]
    first = shortening.shorten_links(session=session, target=target, text=TEXT, base_url=BASE)
    session.commit()
    again = shortening.shorten_links(session=session, target=target, text=TEXT, base_url=BASE + "/")
    session.commit()
    assert again == first
    assert session.scalar(select(func.count(TrackedLink.id))) == 2


def test_each_account_gets_its_own_codes_for_the_same_link(session, shop):
    x = shortening.shorten_links(session=session, target=shop.targets["x"], text=TEXT, base_url=BASE)
    mastodon = shortening.shorten_links(
        session=session, target=shop.targets["mastodon"], text=TEXT, base_url=BASE
    )
    session.commit()
    assert x != mastodon
    assert session.scalar(select(func.count(func.distinct(TrackedLink.code)))) == 4


def test_our_own_short_links_and_texts_without_links_are_left_alone(session, shop):
    target = shop.targets["x"]
    mine = f"Già corto: {BASE}/l/AbCdEfGh12 e basta."
    assert shortening.shorten_links(session=session, target=target, text=mine, base_url=BASE) == mine
    assert shortening.shorten_links(session=session, target=target, text="Niente link.", base_url=BASE) == (
        "Niente link."
    )
    assert session.scalar(select(func.count(TrackedLink.id))) == 0


def test_codes_resolve_to_their_link_and_nothing_else_does(session, shop):
    text = shortening.shorten_links(
        session=session, target=shop.targets["x"], text="https://shop.example/", base_url=BASE
    )
    session.commit()
    code = text.rsplit("/", 1)[1]
    found = shortening.resolve(session=session, code=code)
    assert found.link.destination == "https://shop.example/" and found.timezone == "Europe/Rome"
    for wrong in (
        "",
        code.lower() if code.lower() != code else code.upper(),
        code + "x",
        "a" * 40,
        "../x",
        "%00",
    ):
        assert shortening.resolve(session=session, code=wrong) is None, wrong


def test_codes_are_random_not_sequential():
    codes = {shortening.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == shortening.CODE_LENGTH and code.isalnum() for code in codes)


def test_live_networks_never_get_short_links_to_this_machine():
    reachable = shortening.reachable_from_outside
    for base in (
        "http://127.0.0.1:5000",
        "http://localhost:5000",
        "http://[::1]:5000",
        "http://0.0.0.0",
        # Addresses and names only a local network knows: the networks and their readers cannot open them.
        "http://192.168.1.20:8000",
        "http://10.0.0.5",
        "http://172.20.0.3:5000",
        "http://169.254.10.1",
        "http://[fd12:3456::1]:5000",
        "http://cadenza:8000",
        "http://cadenza.local",
        "http://host.docker.internal:5000",
    ):
        assert not reachable(base, live_networks=True), base
        assert reachable(base, live_networks=False), base
    for base in ("https://cadenza.agency.example", "http://203.0.113.10:8080", "https://172.32.0.1"):
        assert reachable(base, live_networks=True), base
