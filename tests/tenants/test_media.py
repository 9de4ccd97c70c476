"""The media library: files typed by content, cleaned of metadata, stored once, checked per network."""

from __future__ import annotations

from io import BytesIO
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlalchemy import select

from tenants.errors import Forbidden, Invalid, NotFound
from tenants.models import AuditEntry, MediaAsset, Membership
from tenants.services import media
from tests.factories import AgencyFactory, ClientFactory, member
from tests.media_samples import MOV, MP4, WEBM, image_bytes, phone_photo


@pytest.fixture
def library(session, settings):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    user = member(agency, "editor")
    membership = session.scalars(select(Membership).where(Membership.user_id == user.id)).one()

    def upload(filename: str, data: bytes, *, on=client, by=membership, alt_text: str = "", **overrides):
        asset = media.store_upload(
            session=session,
            settings=settings.with_overrides(**overrides) if overrides else settings,
            agency_id=on.agency_id,
            client_id=on.id,
            membership=by,
            actor=user,
            filename=filename,
            data=data,
            alt_text=alt_text,
        )
        session.commit()
        return asset

    return SimpleNamespace(agency=agency, client=client, user=user, membership=membership, upload=upload)


def stored(settings, asset, thumb: bool = False) -> bytes:
    return media.media_path_of(settings, asset, thumb=thumb).read_bytes()


def test_type_comes_from_the_content_not_the_name(library, settings):
    asset = library.upload("holiday.jpg", image_bytes("PNG"))
    assert (asset.kind, asset.mime, asset.width, asset.height) == ("image", "image/png", 64, 48)
    assert asset.storage_key.endswith(".png") and asset.original_name == "holiday.jpg"
    assert Image.open(BytesIO(stored(settings, asset))).format == "PNG"
    for name, data in (("gif.png", image_bytes("GIF")), ("photo.png", image_bytes("WEBP"))):
        assert library.upload(name, data).mime in {"image/gif", "image/webp"}


@pytest.mark.parametrize(
    ("data", "mime"), [(MP4, "video/mp4"), (MOV, "video/quicktime"), (WEBM, "video/webm")]
)
def test_videos_are_known_by_their_magic_bytes_and_get_no_thumbnail(library, settings, data, mime):
    asset = library.upload("clip.bin", data)
    assert (asset.kind, asset.mime, asset.thumb_key, asset.width) == ("video", mime, None, None)
    assert stored(settings, asset) == data
    assert media.media_path_of(settings, asset, thumb=True) is None


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.jpg", b"Dear diary, today I uploaded a text file.", "is not a JPEG, PNG, GIF or WebP image"),
        ("photo.jpg", image_bytes("JPEG", size=(300, 300))[:400], "damaged or incomplete"),
        ("photo.png", image_bytes("PNG", size=(300, 300), mode="RGBA")[:-40], "damaged or incomplete"),
        ("scan.tiff", image_bytes("TIFF"), "is not a JPEG, PNG, GIF or WebP image"),
        ("empty.png", b"", "is empty"),
    ],
)
def test_what_is_not_a_clean_image_or_video_is_refused(library, settings, session, name, data, message):
    with pytest.raises(Invalid) as caught:
        library.upload(name, data)
    assert caught.value.field == "file" and message in str(caught.value) and name in str(caught.value)
    assert session.scalars(select(MediaAsset)).all() == []
    assert not list((settings.media_path / str(library.agency.id)).rglob("*.*"))


def test_exif_gps_and_comments_are_removed_but_orientation_is_applied(library, settings):
    original = phone_photo()
    assert b"PhoneCo" in original and b"home sweet home" in original
    asset = library.upload("IMG_0001.JPG", original)
    data = stored(settings, asset)
    for secret in (b"PhoneCo", b"home sweet home", b"secret-xmp", b"Exif"):
        assert secret not in data
    cleaned = Image.open(BytesIO(data))
    assert cleaned.size == (30, 60) and (asset.width, asset.height) == (30, 60)
    assert dict(cleaned.getexif()) == {} and not {"exif", "xmp", "comment"} & set(cleaned.info)
    assert asset.size_bytes == len(data) and asset.sha256 == media.content_hash(original)


def test_thumbnails_are_at_most_320_and_keep_transparency(library, settings):
    photo = library.upload("wide.jpg", image_bytes("JPEG", size=(1600, 900)))
    thumb = Image.open(BytesIO(stored(settings, photo, thumb=True)))
    assert thumb.format == "JPEG" and thumb.size == (320, 180)
    logo = library.upload("logo.png", image_bytes("PNG", size=(500, 1000), mode="RGBA"))
    thumb = Image.open(BytesIO(stored(settings, logo, thumb=True)))
    assert thumb.format == "PNG" and thumb.mode == "RGBA" and thumb.size == (160, 320)
    small = library.upload("icon.png", image_bytes("PNG", size=(40, 20)))
    assert Image.open(BytesIO(stored(settings, small, thumb=True))).size == (40, 20)


def test_animated_gifs_keep_their_frames(library, settings):
    frames = [Image.new("RGB", (20, 20), c).convert("P") for c in ("red", "green", "blue")]
    out = BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    asset = library.upload("spin.gif", out.getvalue())
    assert Image.open(BytesIO(stored(settings, asset))).n_frames == 3


def test_the_same_bytes_again_give_the_existing_asset(library, session):
    data = image_bytes("PNG")
    first = library.upload("a.png", data)
    again = library.upload("copy-of-a.png", data, alt_text="A red square")
    assert again.id == first.id and again.alt_text == "A red square"
    other_client = ClientFactory(agency_id=library.agency.id)
    assert library.upload("a.png", data, on=other_client).id != first.id
    media.delete_media(
        session=session,
        agency_id=library.agency.id,
        client_id=library.client.id,
        membership=library.membership,
        actor=library.user,
        media_id=first.id,
    )
    session.commit()
    assert library.upload("a.png", data).id != first.id  # a deleted asset is not brought back


def test_too_large_files_and_too_many_pixels_are_refused(library):
    with pytest.raises(Invalid, match="larger than 1000 bytes"):
        library.upload("big.png", image_bytes("PNG", size=(400, 400), mode="RGBA"), max_upload_bytes=1000)
    with pytest.raises(Invalid, match="at most 40 megapixels"):
        library.upload("huge.png", image_bytes("PNG", size=(8000, 5001), mode="L"))


def test_a_failed_insert_leaves_no_file(library, session, monkeypatch):
    written, real_write, real_flush = [], media.write_atomic, session.flush

    def spying_write(path, data):
        written.append(path)
        real_write(path, data)

    def failing_flush(*args, **kwargs):
        if any(isinstance(row, MediaAsset) for row in session.new):
            raise RuntimeError("database went away")
        return real_flush(*args, **kwargs)

    monkeypatch.setattr(media, "write_atomic", spying_write)
    monkeypatch.setattr(session, "flush", failing_flush)
    with pytest.raises(RuntimeError):
        library.upload("a.png", image_bytes("PNG"))
    monkeypatch.undo()
    session.rollback()
    assert len(written) == 2 and not any(path.exists() for path in written)
    assert not list(written[0].parent.iterdir())


def test_a_rollback_before_the_commit_removes_the_files(library, settings, session):
    asset = media.store_upload(
        session=session,
        settings=settings,
        agency_id=library.agency.id,
        client_id=library.client.id,
        membership=library.membership,
        actor=library.user,
        filename="a.png",
        data=image_bytes("PNG", size=(10, 10)),
    )
    path, thumb = media.media_path_of(settings, asset), media.media_path_of(settings, asset, thumb=True)
    assert path.exists() and thumb.exists()
    session.rollback()
    assert not path.exists() and not thumb.exists()
    kept = library.upload("b.png", image_bytes("PNG", size=(12, 12)))  # committed
    session.rollback()
    session.close()
    assert media.media_path_of(settings, kept).exists()


def test_list_get_alt_text_and_delete_stay_within_the_client(library, session):
    image = library.upload("a.png", image_bytes("PNG"))
    video = library.upload("b.mp4", MP4)
    ids = dict(session=session, agency_id=library.agency.id, client_id=library.client.id)
    assert {a.id for a in media.list_media(**ids)} == {image.id, video.id}
    assert [a.id for a in media.list_media(**ids, kind="video")] == [video.id]
    other = ClientFactory(agency_id=library.agency.id)
    with pytest.raises(NotFound):
        media.get_media(session=session, agency_id=library.agency.id, client_id=other.id, media_id=image.id)
    write = dict(ids, membership=library.membership, actor=library.user, media_id=image.id)
    assert media.update_alt_text(**write, alt_text="  Red square  ").alt_text == "Red square"
    with pytest.raises(Invalid) as caught:
        media.update_alt_text(**write, alt_text="x" * 1001)
    assert caught.value.field == "alt_text"
    media.delete_media(**write)
    session.commit()
    assert [a.id for a in media.list_media(**ids)] == [video.id]
    with pytest.raises(NotFound):
        media.get_media(**ids, media_id=image.id)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "media.deleted")).one()
    assert entry.target_id == str(image.id) and entry.client_id == library.client.id


def test_roles_without_posts_write_cannot_upload_or_change(library, session):
    viewer = member(library.agency, "viewer", client=library.client)
    membership = session.scalars(select(Membership).where(Membership.user_id == viewer.id)).one()
    with pytest.raises(Forbidden):
        library.upload("a.png", image_bytes("PNG"), by=membership)
    foreign = ClientFactory()
    with pytest.raises(NotFound):
        library.upload("a.png", image_bytes("PNG"), on=foreign)


def _asset(name: str, mime: str, size: int = 1000, alt: str = "ok", **extra) -> SimpleNamespace:
    kind = mime.split("/")[0]
    return SimpleNamespace(
        id=1, kind=kind, mime=mime, size_bytes=size, alt_text=alt, original_name=name, **extra
    )


def _messages(assets, network: str) -> list[tuple[str, str, str]]:
    return [
        (f.code, f.severity, f.message % f.params)
        for f in media.media_findings(assets, network)  # media_findings is re-exported for callers
    ]


def test_instagram_refuses_png_and_x_refuses_images_over_5mb():
    assert _messages([_asset("photo.png", "image/png")], "instagram") == [
        ("media", "blocking", "Instagram takes JPEG images only; photo.png is PNG.")
    ]
    assert _messages([_asset("photo.png", "image/png")], "mastodon") == []
    big = _asset("poster.jpg", "image/jpeg", size=6 * 1024 * 1024)
    assert _messages([big], "x") == [("media", "blocking", "X takes images up to 5 MB; poster.jpg is 6 MB.")]
    assert _messages([big], "linkedin") == []
    assert "up to 976.6 KB" in _messages([big], "bluesky")[0][2]


def test_image_count_alt_text_and_videos_per_network():
    five = [_asset(f"{n}.jpg", "image/jpeg") for n in range(5)]
    assert _messages(five, "x") == [("media", "blocking", "X takes at most 4 images.")]
    assert _messages(five, "facebook") == []
    assert _messages([_asset("a.jpg", "image/jpeg", alt=" ")], "facebook") == [
        (
            "media_alt",
            "warning",
            "a.jpg has no alt text; describe it for people who use screen readers.",
        )
    ]
    clip = _asset("clip.mp4", "video/mp4")
    assert _messages([clip], "x") == [
        ("media", "blocking", "Cadenza cannot publish videos to X yet; clip.mp4 is a video.")
    ]


def test_video_limits_apply_once_a_connector_publishes_video(monkeypatch):
    from dataclasses import replace

    from tenants.networks import NETWORKS

    for key in ("x", "mastodon", "instagram"):
        spec = NETWORKS[key]
        monkeypatch.setitem(NETWORKS, key, replace(spec, capabilities=spec.capabilities | {"video"}))
    huge = _asset("film.mp4", "video/mp4", size=600 * 1024 * 1024)
    assert _messages([huge], "x") == [
        ("media", "blocking", "X takes videos up to 512 MB; film.mp4 is 600 MB.")
    ]
    webm = _asset("clip.webm", "video/webm")
    assert _messages([webm], "mastodon") == []
    assert _messages([webm], "x") == [("media", "blocking", "X takes MP4 videos only; clip.webm is WebM.")]
    mixed = [_asset("a.jpg", "image/jpeg"), _asset("b.mp4", "video/mp4")]
    assert _messages(mixed, "x") == [("media", "blocking", "X cannot mix images and videos in one post.")]
    assert _messages(mixed, "instagram") == []
    two = [_asset("a.mp4", "video/mp4"), _asset("b.mp4", "video/mp4")]
    assert _messages(two, "mastodon") == [
        ("media", "blocking", "Too many videos for Mastodon: it takes 1 per post at most.")
    ]


def test_severities_follow_the_clients_check_settings():
    (finding,) = media.media_findings(
        [_asset("a.jpg", "image/jpeg", alt="")], "facebook", severities={"media_alt": "blocking"}
    )
    assert finding.blocking
