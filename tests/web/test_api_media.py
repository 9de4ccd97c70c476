"""The media API: upload one file as multipart, list the library; errors as JSON with the field."""

from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import select

from tenants.models import AuditEntry, MediaAsset
from tests.factories import AgencyFactory, ClientFactory, api_token
from tests.media_samples import MP4, image_bytes, phone_photo


@pytest.fixture
def agency(session):
    return AgencyFactory(name="API Agency", slug="api-agency")


@pytest.fixture
def auth(agency):
    return {"Authorization": f"Bearer {api_token(agency)}"}


def _post(web, client_id: int, auth: dict, data: bytes | None, name: str = "photo.jpg", **fields):
    form = dict(fields)
    if data is not None:
        form["file"] = (BytesIO(data), name)
    return web.post(
        f"/api/v1/clients/{client_id}/media", data=form, headers=auth, content_type="multipart/form-data"
    )


def test_upload_and_list_media(client, session, agency, auth):
    target = ClientFactory(agency_id=agency.id)
    resp = _post(client, target.id, auth, phone_photo(), "IMG_0001.JPG", alt_text="Vetrina del forno")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["kind"] == "image" and body["mime"] == "image/jpeg"
    assert (body["width"], body["height"], body["alt_text"]) == (30, 60, "Vetrina del forno")
    assert body["original_name"] == "IMG_0001.JPG" and body["client_id"] == target.id
    again = _post(client, target.id, auth, phone_photo(), "copy.jpg")
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    assert _post(client, target.id, auth, MP4, "spot.mp4").status_code == 201
    listed = client.get(f"/api/v1/clients/{target.id}/media", headers=auth).get_json()["data"]
    assert {m["original_name"] for m in listed} == {"IMG_0001.JPG", "spot.mp4"}
    videos = client.get(f"/api/v1/clients/{target.id}/media?kind=video", headers=auth).get_json()["data"]
    assert [m["mime"] for m in videos] == ["video/mp4"]
    labels = set(session.scalars(select(AuditEntry.actor_label).where(AuditEntry.action == "media.uploaded")))
    assert labels == {"api-token:tests"}


@pytest.mark.parametrize(
    ("data", "name", "extra"),
    [
        (None, "", {}),
        (b"<html>not an image</html>", "photo.jpg", {}),
        (image_bytes("PNG"), "a.png", {"alt_text": "x" * 1001}),
    ],
)
def test_bad_uploads_are_422_with_the_field(client, session, agency, auth, data, name, extra):
    target = ClientFactory(agency_id=agency.id)
    resp = _post(client, target.id, auth, data, name, **extra)
    assert resp.status_code == 422 and resp.is_json
    error = resp.get_json()["error"]
    assert error["code"] == "invalid" and error["field"] == ("alt_text" if extra else "file")
    assert session.scalars(select(MediaAsset)).all() == []


def test_another_agencys_client_media_is_not_found(client, session, auth):
    foreign = ClientFactory(name="Secret Co")
    assert _post(client, foreign.id, auth, image_bytes("PNG")).status_code == 404
    assert client.get(f"/api/v1/clients/{foreign.id}/media", headers=auth).status_code == 404
    assert session.scalars(select(MediaAsset)).all() == []


def test_uploads_need_a_token(client, session, agency):
    target = ClientFactory(agency_id=agency.id)
    assert _post(client, target.id, {}, image_bytes("PNG")).status_code == 401
