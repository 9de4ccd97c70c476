"""The media library pages: upload several files, browse, serve safely, describe, delete."""

from __future__ import annotations

import os
from io import BytesIO

import pytest
from sqlalchemy import select

from tenants.models import MediaAsset
from tests.factories import AgencyFactory, ClientFactory, login, member
from tests.media_samples import MP4, image_bytes
from tests.web.forms import csrf_token


@pytest.fixture
def shop(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="forno", name="Forno Rossi")
    return agency, client


def _upload(web, slug: str, *files: tuple[bytes, str], **extra):
    data = {"file": [(BytesIO(content), name) for content, name in files], **extra}
    return web.post(f"/c/{slug}/media/upload", data=data, content_type="multipart/form-data")


def _asset(session, name: str) -> MediaAsset:
    session.expire_all()
    return session.scalars(select(MediaAsset).where(MediaAsset.original_name == name)).one()


def test_editor_uploads_several_files_and_gets_a_message_for_each(app, session, shop):
    agency, client = shop
    web = app.test_client()
    login(web, member(agency, "editor"))
    resp = _upload(
        web,
        "forno",
        (image_bytes("PNG", size=(800, 400)), "pane.jpg"),
        (b"just some text", "notes.jpg"),
        (MP4, "spot.mp4"),
    )
    assert resp.status_code == 302
    page = web.get("/c/forno/media").get_data(as_text=True)
    assert "pane.jpg added to the library." in page and "spot.mp4 added to the library." in page
    assert "notes.jpg is not a JPEG, PNG, GIF or WebP image" in page
    assert "800×400" in page and "No alt text" in page
    _upload(web, "forno", (image_bytes("PNG", size=(800, 400)), "pane-again.png"))
    assert "pane-again.png is already in the library." in web.get("/c/forno/media").get_data(as_text=True)
    listing = web.get("/c/forno/media.json").get_json()["data"]
    by_name = {a["original_name"]: a for a in listing}
    assert set(by_name) == {"pane.jpg", "spot.mp4"}
    pane, spot = by_name["pane.jpg"], by_name["spot.mp4"]
    assert (pane["kind"], pane["mime"], pane["width"], pane["height"]) == ("image", "image/png", 800, 400)
    assert pane["thumb_url"] == f"/c/forno/media/{pane['id']}/thumb" and spot["thumb_url"] is None
    assert [a["id"] for a in web.get("/c/forno/media.json?kind=video").get_json()["data"]] == [spot["id"]]


def test_workspace_links_to_the_library(app, session, shop):
    agency, _client = shop
    web = app.test_client()
    login(web, member(agency, "viewer", client=shop[1]))
    assert 'href="/c/forno/media"' in web.get("/c/forno/").get_data(as_text=True)


def test_files_are_served_with_their_stored_type_never_sniffed(app, session, shop):
    agency, _client = shop
    web = app.test_client()
    login(web, member(agency, "editor"))
    _upload(web, "forno", (image_bytes("PNG", mode="RGBA"), "logo <x>.jpg"), (MP4, "spot.mp4"))
    logo, spot = _asset(session, "logo <x>.jpg"), _asset(session, "spot.mp4")
    resp = web.get(f"/c/forno/media/{logo.id}/file")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Disposition"] == "inline; filename=logo_x.png"
    assert "private" in resp.headers["Cache-Control"]
    thumb = web.get(f"/c/forno/media/{logo.id}/thumb")
    assert thumb.mimetype == "image/png" and thumb.headers["X-Content-Type-Options"] == "nosniff"
    video = web.get(f"/c/forno/media/{spot.id}/file")
    assert video.mimetype == "video/mp4"
    assert video.headers["Content-Disposition"] == "inline; filename=spot.mp4"
    assert web.get(f"/c/forno/media/{spot.id}/thumb").status_code == 404
    assert web.get("/c/forno/media/999999/file").status_code == 404


def test_alt_text_is_edited_and_media_deleted(app, session, shop):
    agency, _client = shop
    web = app.test_client()
    login(web, member(agency, "manager"))
    _upload(web, "forno", (image_bytes("JPEG"), "torta.jpg"))
    torta = _asset(session, "torta.jpg")
    resp = web.post(f"/c/forno/media/{torta.id}/alt", data={"alt_text": "Torta di mele sul bancone"})
    assert resp.status_code == 302
    assert _asset(session, "torta.jpg").alt_text == "Torta di mele sul bancone"
    page = web.post(f"/c/forno/media/{torta.id}/alt", data={"alt_text": "x" * 1001}, follow_redirects=True)
    assert "at most 1000 characters" in page.get_data(as_text=True)
    assert web.post(f"/c/forno/media/{torta.id}/delete").status_code == 302
    assert _asset(session, "torta.jpg").deleted_at is not None
    assert web.get("/c/forno/media.json").get_json()["data"] == []
    assert web.get(f"/c/forno/media/{torta.id}/file").status_code == 404
    assert web.post(f"/c/forno/media/{torta.id}/delete").status_code == 404


def test_viewer_looks_but_cannot_upload_or_change(app, session, shop):
    agency, client = shop
    editor = app.test_client()
    login(editor, member(agency, "editor"))
    _upload(editor, "forno", (image_bytes("PNG"), "menu.png"))
    menu = _asset(session, "menu.png")
    viewer = app.test_client()
    login(viewer, member(agency, "viewer", client=client))
    page = viewer.get("/c/forno/media").get_data(as_text=True)
    assert "menu.png" in page and "upload-form" not in page and "/delete" not in page
    assert viewer.get(f"/c/forno/media/{menu.id}/file").status_code == 200
    assert _upload(viewer, "forno", (image_bytes("PNG", size=(9, 9)), "mine.png")).status_code == 403
    assert viewer.post(f"/c/forno/media/{menu.id}/alt", data={"alt_text": "x"}).status_code == 403
    assert viewer.post(f"/c/forno/media/{menu.id}/delete").status_code == 403
    assert session.scalars(select(MediaAsset.original_name)).all() == ["menu.png"]


def test_another_clients_media_is_not_found_through_this_client(app, session, shop):
    agency, _client = shop
    ClientFactory(agency_id=agency.id, slug="bar")
    web = app.test_client()
    login(web, member(agency, "owner"))
    _upload(web, "bar", (image_bytes("PNG"), "bar-secret.png"))
    secret = _asset(session, "bar-secret.png")
    for path in ("file", "thumb"):
        assert web.get(f"/c/forno/media/{secret.id}/{path}").status_code == 404
    assert web.post(f"/c/forno/media/{secret.id}/alt", data={"alt_text": "x"}).status_code == 404
    assert web.post(f"/c/forno/media/{secret.id}/delete").status_code == 404
    assert "bar-secret" not in web.get("/c/forno/media.json").get_data(as_text=True)
    assert _asset(session, "bar-secret.png").deleted_at is None


def test_uploads_may_be_larger_than_other_requests_but_not_without_limit(settings, session, shop):
    from web import create_app

    agency, _client = shop
    app = create_app(settings.with_overrides(max_upload_bytes=3 * 1024 * 1024))
    try:
        web = app.test_client()
        login(web, member(agency, "editor"))
        token = csrf_token(web.get("/c/forno/media").get_data(as_text=True))
        two_mib = MP4 + os.urandom(2 * 1024 * 1024)
        assert _upload(web, "forno", (two_mib, "long.mp4"), csrf_token=token).status_code == 302
        assert _asset(session, "long.mp4").size_bytes == len(two_mib)
        four_mib = MP4 + os.urandom(4 * 1024 * 1024)
        assert _upload(web, "forno", (four_mib, "longer.mp4"), csrf_token=token).status_code == 413
        big_alt = {"alt_text": "x" * (2 * 1024 * 1024), "csrf_token": token}
        long_id = _asset(session, "long.mp4").id
        assert web.post(f"/c/forno/media/{long_id}/alt", data=big_alt).status_code == 413
    finally:
        app.extensions["cadenza"]["engine"].dispose()
