"""A client's media library (/c/<client_slug>/media): upload, browse, describe, delete, serve files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from tenants.checks.media import human_size, label
from tenants.errors import Conflict, DomainError, Invalid
from tenants.models import Client, MediaAsset
from tenants.permissions import Perm
from tenants.services import media
from web.context import db, settings
from web.extensions import limiter
from web.tenancy import client_view
from web.uploads import large_upload
from web.views.helpers import translate

bp = Blueprint("media", __name__, url_prefix="/c/<client_slug>")


def _ids(client: Client) -> dict[str, int]:
    return {"agency_id": client.agency_id, "client_id": client.id}


def _back(client: Client) -> Response:
    return redirect(url_for("media.index", client_slug=client.slug))


def asset_json(client: Client, asset: MediaAsset) -> dict[str, Any]:
    """An asset as the composer's media picker reads it, with the URLs of its file and thumbnail."""
    body = media.media_as_dict(asset)
    body["url"] = url_for("media.file", client_slug=client.slug, media_id=asset.id)
    body["thumb_url"] = (
        url_for("media.thumb", client_slug=client.slug, media_id=asset.id) if asset.thumb_key else None
    )
    return body


@bp.get("/media")
@client_view(Perm.CLIENT_VIEW)
def index(client: Client):
    assets = media.list_media(session=db(), **_ids(client))
    return render_template(
        "media/index.html",
        client=client,
        assets=assets,
        human_size=human_size,
        type_label=label,
        max_upload=human_size(settings().max_upload_bytes),
    )


@bp.get("/media.json")
@client_view(Perm.CLIENT_VIEW)
def listing(client: Client):
    kind = request.args.get("kind")
    assets = media.list_media(session=db(), kind=kind if kind in ("image", "video") else None, **_ids(client))
    return jsonify({"data": [asset_json(client, a) for a in assets]})


@bp.post("/media/upload")
@large_upload
@client_view(Perm.POSTS_WRITE)
@limiter.limit("60 per minute")
def upload(client: Client):
    files = [f for f in request.files.getlist("file") if f.filename]
    if not files:
        flash(_("Choose at least one file."), "error")
    for storage in files:
        name = media.clean_filename(storage.filename)
        data = storage.read()
        known = media.find_by_content(session=db(), sha256=media.content_hash(data), **_ids(client))
        try:
            media.store_upload(
                session=db(),
                settings=settings(),
                membership=g.membership,
                actor=current_user,
                filename=storage.filename,
                data=data,
                **_ids(client),
            )
            db().commit()
        except DomainError as exc:
            db().rollback()
            flash(translate(exc), "error")
        else:
            if known is not None:
                flash(_("%(name)s is already in the library.", name=name), "info")
            else:
                flash(_("%(name)s added to the library.", name=name), "success")
    return _back(client)


@bp.post("/media/<int:media_id>/alt")
@client_view(Perm.POSTS_WRITE)
def alt_text(client: Client, media_id: int):
    try:
        asset = media.update_alt_text(
            session=db(),
            membership=g.membership,
            actor=current_user,
            media_id=media_id,
            alt_text=request.form.get("alt_text", ""),
            **_ids(client),
        )
        db().commit()
    except Invalid as exc:
        db().rollback()
        flash(translate(exc), "error")
    else:
        flash(_("Alt text of %(name)s saved.", name=asset.original_name), "success")
    return _back(client)


@bp.post("/media/<int:media_id>/delete")
@client_view(Perm.POSTS_WRITE)
def delete(client: Client, media_id: int):
    try:
        asset = media.delete_media(
            session=db(), membership=g.membership, actor=current_user, media_id=media_id, **_ids(client)
        )
    except Conflict as exc:
        db().rollback()
        flash(translate(exc), "error")
        return _back(client)
    db().commit()
    flash(_("%(name)s deleted from the library.", name=asset.original_name), "success")
    return _back(client)


@bp.get("/media/<int:media_id>/file")
@client_view(Perm.CLIENT_VIEW)
def file(client: Client, media_id: int):
    return _send(client, media_id, thumb=False)


@bp.get("/media/<int:media_id>/thumb")
@client_view(Perm.CLIENT_VIEW)
def thumb(client: Client, media_id: int):
    return _send(client, media_id, thumb=True)


def _send(client: Client, media_id: int, *, thumb: bool) -> Response:
    """The stored file with its stored type, never sniffed, shown inline under a safe name."""
    asset = media.get_media(session=db(), media_id=media_id, **_ids(client))
    path = media.media_path_of(settings(), asset, thumb=thumb)
    if path is None or not path.is_file():
        abort(404)
    mimetype = asset.mime if not thumb else ("image/png" if path.suffix == ".png" else "image/jpeg")
    stem = secure_filename(Path(asset.original_name).stem) or f"media-{asset.id}"
    name = f"{stem}-thumb{path.suffix}" if thumb else f"{stem}{path.suffix}"
    response = send_file(path, mimetype=mimetype, download_name=name, conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response
