"""LinkedIn: OAuth (refresh tokens only for MDP apps), OpenID userinfo, the versioned /rest API for members
and the organizations they administer: posts, images, comments, follower counts and share statistics."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, redirect, request

from sandbox import faults
from sandbox.networks.common import bearer_token, is_write
from sandbox.oauth_pages import run_authorize
from sandbox.state import STORE, now

NETWORKS = ("linkedin",)
bp = Blueprint("linkedin", __name__, url_prefix="/linkedin")

ACCESS_TTL = timedelta(days=60)
REFRESH_TTL = timedelta(days=365)
CODE_TTL = timedelta(minutes=30)
DUPLICATE_WINDOW = timedelta(hours=24)
MEMBER_DAILY_POSTS = 150
CHAR_LIMIT = 3000
MAX_VERSION_AGE_MONTHS = 12
# The products a self-serve app gets (Sign In with OpenID, Share on LinkedIn, Community Management);
# r_member_social stays closed, so members' own posts and comments cannot be read back.
APP_SCOPES = (
    "openid",
    "profile",
    "email",
    "w_member_social",
    "r_organization_social",
    "w_organization_social",
    "rw_organization_admin",
    "r_organization_admin",
)
APPS = {
    "cadenza-sandbox-linkedin": {"name": "Cadenza", "secret": "sandbox-secret-linkedin", "mdp": False},
    "cadenza-sandbox-linkedin-mdp": {
        "name": "Cadenza (MDP partner)",
        "secret": "sandbox-secret-linkedin-mdp",
        "mdp": True,
    },
}
MEMBERS = {
    "giulia": {"sub": "gB7xQ2mK9a", "given_name": "Giulia", "family_name": "Bianchi"},
    "paolo": {"sub": "pR4tW8vZ1c", "given_name": "Paolo", "family_name": "Conti"},
}
ORGANIZATIONS = {
    "104857601": {"name": "Caseificio Bianchi", "vanity": "caseificio-bianchi", "followers": 1280},
    "104857602": {"name": "Oleificio Verdi", "vanity": "oleificio-verdi", "followers": 412},
}
ADMINS = {"giulia": ("104857601", "104857602"), "paolo": ()}

_RESERVED = set("\\|{}@[]()<>#*_~")
_URL = re.compile(r"https?://[^\s|{}\[\]()<>\\]+")
_MENTION = re.compile(r"@\[([^\]\\]*)\]\(urn:li:(?:person|organization):[^)\s]+\)")
_HASHTAG_TEMPLATE = re.compile(r"\{hashtag\|\\#\|(\w+)\}")
_HASHTAG = re.compile(r"#\w+")
_VERSION = re.compile(r"(\d{4})(\d{2})(?:\.\d{2})?")


def seed(state: dict[str, Any]) -> None:
    """Two members (giulia administers two organizations, paolo none), no grants or posts yet."""
    state.update(
        codes={},
        grants={},
        tokens={},
        refresh_tokens={},
        posts={},
        images={},
        uploads={},
        comments=[],
        organizations={oid: dict(org) for oid, org in ORGANIZATIONS.items()},
    )


def _state() -> dict[str, Any]:
    return STORE.networks["linkedin"]


def _millis(moment=None) -> int:
    return int((moment or now()).timestamp() * 1000)


def _person_urn(username: str) -> str:
    return f"urn:li:person:{MEMBERS[username]['sub']}"


# --- error shapes -------------------------------------------------------------------------------
def _error(status: int, message: str, *, code: str | None = None, service: int | None = None) -> Response:
    body: dict[str, Any] = {"status": status, "message": message}
    if code:
        body["code"] = code
    if service is not None:
        body["serviceErrorCode"] = service
    response = jsonify(body)
    response.status_code = status
    return response


_INPUT_ERRORS = {
    "MISSING_FIELD": "Field is required",
    "INVALID_LITTLE_TEXT": "Reserved characters must be escaped",
    "MAX_LENGTH_EXCEEDED": "Text is too long",
    "INVALID_MEDIA": "Media is not usable",
    "MEDIA_NOT_READY": "Media is not available yet",
    "DUPLICATE_POST": "Duplicate post is detected",
}


def _input_error(message: str, code: str, field: str = "") -> Response:
    """Rest.li's validation error: the machine-readable code sits in errorDetails.inputErrors."""
    detail = {"description": _INPUT_ERRORS[code], "input": {}, "code": code}
    if field:
        detail["input"] = {"inputPath": {"fieldPath": field}}
    response = jsonify(
        {
            "errorDetailType": "com.linkedin.common.error.BadRequest",
            "message": message,
            "errorDetails": {"inputErrors": [detail]},
            "status": 422,
        }
    )
    response.status_code = 422
    return response


def _oauth_error(status: int, error: str, description: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    return response


def _denied(resource: str) -> Response:
    return _error(403, f"Not enough permissions to access: {resource}", code="ACCESS_DENIED", service=100)


def _throttled(scope: str) -> Response:
    # LinkedIn sends no remaining/reset headers: daily limits reset at midnight UTC.
    return _error(
        429,
        f"Resource level throttle {scope} DAY limit for calls to this resource is reached.",
        code="TOO_MANY_REQUESTS",
        service=101,
    )


_TOKEN_ERRORS = {
    "invalid": (65600, "INVALID_ACCESS_TOKEN", "Invalid access token"),
    "revoked": (65601, "REVOKED_ACCESS_TOKEN", "The token used in the request has been revoked by the user"),
    "expired": (65602, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired"),
}


def _token_error(kind: str) -> Response:
    service, code, message = _TOKEN_ERRORS[kind]
    return _error(401, message, code=code, service=service)


def _fault_response(fault: dict[str, Any]) -> Response:
    kind = fault["kind"]
    if kind == "rate_limit":
        return _throttled("APPLICATION")
    if kind == "quota":
        return _throttled("MEMBER")
    if kind in ("revoked", "expired"):
        return _token_error(kind)
    status = int(fault.get("status", 500))
    return _error(status, "Internal Server Error" if status == 500 else "Service Unavailable")


# --- versions, tokens, permissions --------------------------------------------------------------
@bp.before_request
def _check_rest_headers() -> Response | None:
    """Every /rest call names a LinkedIn-Version (YYYYMM, active about a year) and Rest.li 2.0.0."""
    if not request.path.startswith("/linkedin/api/rest/"):
        return None
    version = request.headers.get("LinkedIn-Version", "")
    if not version:
        return _error(
            400,
            "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
            code="VERSION_MISSING",
        )
    match = _VERSION.fullmatch(version)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return _error(400, f"Invalid version format {version}", code="INVALID_VERSION")
    today = now()
    age = (today.year * 12 + today.month) - (int(match.group(1)) * 12 + int(match.group(2)))
    if age < 0 or age > MAX_VERSION_AGE_MONTHS:
        return _error(426, f"Requested version {version} is not active", code="NONEXISTENT_VERSION")
    if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
        return _error(
            400, "This resource requires the header X-Restli-Protocol-Version: 2.0.0", code="ILLEGAL_ARGUMENT"
        )
    return None


def _authenticated(entity: str | None = None) -> tuple[dict[str, Any] | None, Response | None]:
    """The token record for this request, or LinkedIn's 401 / an injected fault."""
    token = bearer_token()
    if token is None:
        return None, _error(401, "Empty oauth2_access_token", service=401)
    record = _state()["tokens"].get(token)
    if record is None:
        return None, _token_error("invalid")
    if _state()["grants"][record["grant"]]["revoked"]:
        return None, _token_error("revoked")
    if now() >= record["expires_at"]:
        return None, _token_error("expired")
    fault = faults.before_call("linkedin", account=entity or record["urn"], write=is_write())
    if fault:
        if fault["kind"] == "revoked":
            _state()["grants"][record["grant"]]["revoked"] = True
        elif fault["kind"] == "expired":
            record["expires_at"] = now()
        return None, _fault_response(fault)
    return record, None


def _may_act_as(record: dict[str, Any], entity: str, *, write: bool) -> str | None:
    """None when the token may act for this author, else the missing right ('scope' or 'role')."""
    if entity.startswith("urn:li:organization:"):
        if entity.rsplit(":", 1)[-1] not in ADMINS[record["username"]]:
            return "role"
        return None if ("w_" if write else "r_") + "organization_social" in record["scopes"] else "scope"
    if entity != record["urn"]:
        return "role"
    return None if ("w_member_social" if write else "r_member_social") in record["scopes"] else "scope"


def _forbidden(why: str, resource: str, field: str = "author") -> Response:
    """LinkedIn's 403s: a write for someone the member may not act for, or a permission not granted."""
    if why == "role" and is_write():
        return _error(
            403,
            "Unpermitted fields present in REQUEST_BODY: Data Processing Exception while processing "
            f"fields [/{field}]",
            code="ACCESS_DENIED",
            service=100,
        )
    return _denied(f"{resource}.{request.headers.get('LinkedIn-Version', 'NO_VERSION')}")


# --- OAuth ----------------------------------------------------------------------------------------
@bp.route("/www/oauth/v2/authorization", methods=["GET", "POST"])
def authorize():
    params = request.values
    if params.get("client_id") in APPS:
        unknown = [s for s in params.get("scope", "").replace(",", " ").split() if s not in APP_SCOPES]
        if unknown:
            return _back(
                params.get("redirect_uri", ""),
                error="unauthorized_scope_error",
                error_description=f'Scope "{unknown[0]}" is not authorized for your application',
                state=params.get("state", ""),
            )

    def issue(grant: dict) -> str:
        code = STORE.token("AQ")
        _state()["codes"][code] = {**grant, "issued_at": now()}
        return code

    apps = {cid: {"name": app["name"], "redirect_uris": None} for cid, app in APPS.items()}
    response = run_authorize(
        network_name="LinkedIn", apps=apps, users=list(MEMBERS), scope_separator=" ", issue_code=issue
    )
    location = getattr(response, "location", "") or ""
    if "error=access_denied" in location:
        # LinkedIn names a refused consent screen user_cancelled_authorize.
        return _back(
            params.get("redirect_uri", ""),
            error="user_cancelled_authorize",
            error_description="The user cancelled the authorization",
            state=params.get("state", ""),
        )
    return response


def _back(redirect_uri: str, **params: str) -> Response:
    query = "&".join(f"{k}={quote(v)}" for k, v in params.items())
    return redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}", code=302)


def _client() -> dict[str, Any] | None:
    app = APPS.get(request.form.get("client_id", ""))
    return app if app and app["secret"] == request.form.get("client_secret") else None


@bp.post("/www/oauth/v2/accessToken")
def access_token():
    app = _client()
    if app is None:
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    grant_type = request.form.get("grant_type")
    if grant_type == "authorization_code":
        return _exchange_code(app)
    if grant_type == "refresh_token":
        return _refresh(app)
    return _oauth_error(400, "unsupported_grant_type", f"Grant type {grant_type!r} is not supported")


def _exchange_code(app: dict[str, Any]) -> Response:
    grant = _state()["codes"].pop(request.form.get("code", ""), None)
    if (
        grant is None
        or grant["client_id"] != request.form.get("client_id")
        or grant["redirect_uri"] != request.form.get("redirect_uri")
        or now() - grant["issued_at"] > CODE_TTL
    ):
        return _oauth_error(
            400,
            "invalid_request",
            "Unable to retrieve access token: appid/redirect uri/code verifier does not match "
            "authorization code. Or authorization code expired. Or external member binding exists",
        )
    grant_id = str(STORE.next_id())
    _state()["grants"][grant_id] = {
        "revoked": False,
        "username": grant["username"],
        "scopes": grant["granted"],
        "client_id": grant["client_id"],
    }
    body = _issue_access(grant_id)
    if "openid" in grant["granted"]:
        body["id_token"] = _id_token(grant["username"], grant["client_id"])
    if app["mdp"]:
        refresh = STORE.token("AQX")
        _state()["refresh_tokens"][refresh] = {"grant": grant_id, "expires_at": now() + REFRESH_TTL}
        body |= {"refresh_token": refresh, "refresh_token_expires_in": int(REFRESH_TTL.total_seconds())}
    return jsonify(body)


def _issue_access(grant_id: str) -> dict[str, Any]:
    grant = _state()["grants"][grant_id]
    token = STORE.token("AQV")
    _state()["tokens"][token] = {
        "grant": grant_id,
        "username": grant["username"],
        "urn": _person_urn(grant["username"]),
        "scopes": grant["scopes"],
        "expires_at": now() + ACCESS_TTL,
    }
    return {
        "access_token": token,
        "expires_in": int(ACCESS_TTL.total_seconds()),
        "scope": ",".join(grant["scopes"]),
        "token_type": "Bearer",
    }


def _id_token(username: str, client_id: str) -> str:
    """An OpenID id_token shaped like LinkedIn's (the signature is a placeholder)."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    member = MEMBERS[username]
    issued = int(now().timestamp())
    claims = {
        "iss": "https://www.linkedin.com/oauth",
        "aud": client_id,
        "sub": member["sub"],
        "name": f"{member['given_name']} {member['family_name']}",
        "iat": issued,
        "exp": issued + 3600,
    }
    return f"{part({'alg': 'RS256', 'typ': 'JWT', 'kid': 'sandbox'})}.{part(claims)}.c2FuZGJveA"


def _refresh(app: dict[str, Any]) -> Response:
    if not app["mdp"]:
        return _oauth_error(
            400, "unauthorized_client", "Refresh tokens are only available to approved partner applications"
        )
    record = _state()["refresh_tokens"].get(request.form.get("refresh_token", ""))
    if record is None or record["expires_at"] <= now() or _state()["grants"][record["grant"]]["revoked"]:
        return _oauth_error(
            400,
            "invalid_request",
            "The provided authorization grant or refresh token is invalid, expired or revoked",
        )
    body = _issue_access(record["grant"])
    # The refresh token does not rotate: the same one comes back with its remaining lifetime.
    remaining = int((record["expires_at"] - now()).total_seconds())
    return jsonify(
        body | {"refresh_token": request.form["refresh_token"], "refresh_token_expires_in": remaining}
    )


@bp.post("/www/oauth/v2/revoke")
def revoke():
    if _client() is None:
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    record = _state()["tokens"].get(request.form.get("token", ""))
    if record:
        _state()["grants"][record["grant"]]["revoked"] = True
    return Response(status=200)


@bp.get("/api/v2/userinfo")
def userinfo():
    record, error = _authenticated()
    if error:
        return error
    if not {"openid", "profile"} <= set(record["scopes"]):
        return _denied("userinfo.GET.NO_VERSION")
    member = MEMBERS[record["username"]]
    body = {
        "sub": member["sub"],
        "name": f"{member['given_name']} {member['family_name']}",
        "given_name": member["given_name"],
        "family_name": member["family_name"],
        "locale": {"country": "IT", "language": "it"},
        "picture": f"https://media.licdn.example/{member['sub']}.jpg",
    }
    if "email" in record["scopes"]:
        body |= {"email": f"{record['username']}@example.it", "email_verified": True}
    return jsonify(body)


# --- organizations --------------------------------------------------------------------------------
@bp.get("/api/rest/organizationAcls")
def organization_acls():
    record, error = _authenticated()
    if error:
        return error
    if not {"rw_organization_admin", "r_organization_admin"} & set(record["scopes"]):
        return _denied(f"organizationAcls.FINDER-roleAssignee.{request.headers['LinkedIn-Version']}")
    if request.args.get("q") != "roleAssignee":
        return _error(400, "Invalid query parameter q", code="ILLEGAL_ARGUMENT")
    role, state = request.args.get("role", "ADMINISTRATOR"), request.args.get("state", "APPROVED")
    elements = [
        {
            "roleAssignee": record["urn"],
            "state": "APPROVED",
            "role": "ADMINISTRATOR",
            "organization": f"urn:li:organization:{oid}",
        }
        for oid in ADMINS[record["username"]]
        if role == "ADMINISTRATOR" and state == "APPROVED"
    ]
    return jsonify(
        {"paging": {"start": 0, "count": 10, "total": len(elements), "links": []}, "elements": elements}
    )


@bp.get("/api/rest/organizations/<org_id>")
def organization(org_id: str):
    record, error = _authenticated()
    if error:
        return error
    org = _state()["organizations"].get(org_id)
    if org is None:
        return _error(404, f"Organization {org_id} not found", code="NOT_FOUND")
    if not {"rw_organization_admin", "r_organization_admin"} & set(record["scopes"]):
        return _denied(f"organizations.GET.{request.headers['LinkedIn-Version']}")
    return jsonify(
        {
            "id": int(org_id),
            "localizedName": org["name"],
            "vanityName": org["vanity"],
            "name": {
                "localized": {"it_IT": org["name"]},
                "preferredLocale": {"country": "IT", "language": "it"},
            },
        }
    )


@bp.get("/api/rest/networkSizes/<path:urn>")
def network_size(urn: str):
    record, error = _authenticated(urn)
    if error:
        return error
    if request.args.get("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER" or not urn.startswith(
        "urn:li:organization:"
    ):
        return _error(400, "Invalid edgeType for this entity", code="ILLEGAL_ARGUMENT")
    org = _state()["organizations"].get(urn.rsplit(":", 1)[-1])
    if org is None:
        return _error(404, "Not Found", code="NOT_FOUND")
    return jsonify({"firstDegreeSize": org["followers"]})


@bp.get("/api/rest/organizationalEntityShareStatistics")
def share_statistics():
    org_urn = request.args.get("organizationalEntity", "")
    record, error = _authenticated(org_urn or None)
    if error:
        return error
    admin_scope = {"rw_organization_admin", "r_organization_admin"} & set(record["scopes"])
    if request.args.get("q") != "organizationalEntity" or not org_urn.startswith("urn:li:organization:"):
        return _error(400, "Invalid query parameters", code="ILLEGAL_ARGUMENT")
    if _may_act_as(record, org_urn, write=False) == "role" or not admin_scope:
        return _denied(f"organizationalEntityShareStatistics.FINDER.{request.headers['LinkedIn-Version']}")
    own = {u: p for u, p in _state()["posts"].items() if p["author"] == org_urn and not p["deleted"]}
    shares = request.args.get("shares")
    if shares is None:
        return _stats_page([_stats(org_urn, list(own.values()))])
    if not (shares.startswith("List(") and shares.endswith(")")):
        return _error(400, "Invalid value for param shares: expected List(...)", code="ILLEGAL_ARGUMENT")
    wanted = [u for u in shares[5:-1].split(",") if u in own]
    return _stats_page([_stats(org_urn, [own[u]]) | {"share": u} for u in wanted])


def _stats_page(elements: list[dict[str, Any]]) -> Response:
    return jsonify({"paging": {"start": 0, "count": 10, "links": []}, "elements": elements})


def _stats(org_urn: str, posts: list[dict[str, Any]]) -> dict[str, Any]:
    totals = {
        "impressionCount": sum(p["impressions"] for p in posts),
        "uniqueImpressionsCount": sum(p["unique_impressions"] for p in posts),
        "clickCount": sum(p["clicks"] for p in posts),
        "likeCount": sum(p["likes"] for p in posts),
        "commentCount": sum(_comment_count(_state(), p["id"]) for p in posts),
        "shareCount": sum(p["shares"] for p in posts),
    }
    engaged = totals["clickCount"] + totals["likeCount"] + totals["commentCount"] + totals["shareCount"]
    seen = totals["impressionCount"]
    totals["engagement"] = round(engaged / seen, 4) if seen else 0.0
    return {"totalShareStatistics": totals, "organizationalEntity": org_urn}


# --- little text ----------------------------------------------------------------------------------
def _little_text_error(text: str) -> str | None:
    """Where `text` breaks the little text format (an unescaped reserved character), if anywhere."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        patterns = (_URL, _MENTION, _HASHTAG_TEMPLATE, _HASHTAG)
        match = next((m for p in patterns if (m := p.match(text, i))), None)
        if match:
            i = match.end()
        elif text[i] in _RESERVED:
            return f"unescaped reserved character {text[i]!r} at position {i}"
        else:
            i += 1
    return None


def _plain(text: str) -> str:
    """What readers see: templates and mentions rendered, escapes removed."""
    text = _HASHTAG_TEMPLATE.sub(lambda m: "#" + m.group(1), text)
    text = _MENTION.sub(lambda m: m.group(1), text)
    return re.sub(r"\\(.)", r"\1", text, flags=re.S)


# --- posts ----------------------------------------------------------------------------------------
def _paged(items: list[dict[str, Any]], *, with_total: bool) -> Response:
    """Rest.li start/count paging with a rel=next link (and the total where the resource gives one)."""
    try:
        start = max(0, int(request.args.get("start", 0)))
        count = max(1, min(int(request.args.get("count", 10)), 100))
    except ValueError:
        return _error(400, "Invalid value for param start or count", code="ILLEGAL_ARGUMENT")
    paging: dict[str, Any] = {"start": start, "count": count, "links": []}
    if start + count < len(items):
        params = {**request.args.to_dict(), "start": str(start + count), "count": str(count)}
        query = "&".join(f"{k}={quote(v, safe='(),')}" for k, v in params.items())
        href = f"{request.path.removeprefix('/linkedin/api')}?{query}"
        paging["links"] = [{"type": "application/json", "rel": "next", "href": href}]
    if with_total:
        paging["total"] = len(items)
    return jsonify({"paging": paging, "elements": items[start : start + count]})


def _post_json(post: dict[str, Any]) -> dict[str, Any]:
    body = {
        "id": post["id"],
        "author": post["author"],
        "commentary": post["commentary"],
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "lifecycleStateInfo": {"isEditedByAuthor": False},
        "isReshareDisabledByAuthor": False,
        "createdAt": post["created"],
        "publishedAt": post["created"],
        "lastModifiedAt": post["created"],
    }
    if post["content"]:
        body["content"] = post["content"]
    return body


def _media_ids(content: dict[str, Any]) -> list[str]:
    if "media" in content:
        return [str(content["media"].get("id", ""))]
    return [str(i.get("id", "")) for i in content.get("multiImage", {}).get("images", [])]


def _invalid_post(body: dict[str, Any], author: str) -> Response | None:
    """The 422 this post body earns, if any."""
    for field in ("visibility", "distribution", "lifecycleState"):
        if field not in body:
            return _input_error(
                f"/{field} :: field is required but not found and has no default value",
                "MISSING_FIELD",
                field,
            )
    commentary, content = str(body.get("commentary", "")), body.get("content") or {}
    if not commentary and not content:
        return _input_error("/commentary :: a post needs text or content", "MISSING_FIELD")
    problem = _little_text_error(commentary)
    if problem:
        return _input_error(
            f"/commentary :: {problem}",
            "INVALID_LITTLE_TEXT",
            "commentary",
        )
    if len(_plain(commentary)) > CHAR_LIMIT:
        return _input_error(
            f"/commentary :: length {len(_plain(commentary))} exceeds the maximum allowed {CHAR_LIMIT}",
            "MAX_LENGTH_EXCEEDED",
            "commentary",
        )
    if "article" in content and not (content["article"].get("source") and content["article"].get("title")):
        return _input_error("/content/article :: source and title are required", "MISSING_FIELD")
    for image_urn in _media_ids(content):
        image = _state()["images"].get(image_urn)
        if image is None or image["owner"] != author:
            return _input_error(f"/content :: unknown media {image_urn}", "INVALID_MEDIA", "content")
        if image["status"] != "AVAILABLE":
            return _input_error(
                f"/content :: media {image_urn} is not ready (status {image['status']})",
                "MEDIA_NOT_READY" if image["status"] != "PROCESSING_FAILED" else "INVALID_MEDIA",
                "content",
            )
    return None


def _duplicate_of(author: str, commentary: str, content: dict[str, Any]) -> str | None:
    """An earlier post with the same text (and link) by the same author, within LinkedIn's window."""
    if not commentary:
        return None
    source = content.get("article", {}).get("source")
    since = _millis(now() - DUPLICATE_WINDOW)
    for post in _state()["posts"].values():
        same_link = post["content"].get("article", {}).get("source") == source
        if (
            post["author"] == author
            and post["commentary"] == commentary
            and same_link
            and post["created"] >= since
        ):
            return post["id"]
    return None


def _posts_today(username: str) -> int:
    day = now().date()
    return sum(1 for p in _state()["posts"].values() if p["member"] == username and p["created_day"] == day)


@bp.post("/api/rest/posts")
def create_post():
    body = request.get_json(silent=True) or {}
    author = str(body.get("author", ""))
    record, error = _authenticated(author or None)
    if error:
        return error
    why = _may_act_as(record, author, write=True)
    if why:
        return _forbidden(why, "partnerApiPostsExternal.CREATE")
    invalid = _invalid_post(body, author)
    if invalid:
        return invalid
    if _posts_today(record["username"]) >= MEMBER_DAILY_POSTS:
        return _throttled("MEMBER")
    commentary, content = str(body.get("commentary", "")), body.get("content") or {}
    duplicate = _duplicate_of(author, commentary, content)
    if duplicate:
        return _input_error(
            "com.linkedin.content.common.exception.BadRequestResponseException: "
            f"Content is a duplicate of {duplicate}",
            "DUPLICATE_POST",
        )
    urn = f"urn:li:share:{STORE.next_id()}"
    _state()["posts"][urn] = {
        "id": urn,
        "author": author,
        "member": record["username"],
        "commentary": commentary,
        "content": content,
        "created": _millis(),
        "created_day": now().date(),
        "deleted": False,
        **dict.fromkeys(("impressions", "unique_impressions", "clicks", "likes", "shares"), 0),
    }
    STORE.record_published(
        network="linkedin",
        account=author,
        remote_id=urn,
        kind="post",
        text=_plain(commentary),
        commentary=commentary,
        content=content,
    )
    if faults.response_lost("linkedin", account=author):
        return faults.lost_response()
    response = Response(status=201)
    response.headers["x-restli-id"] = urn
    response.headers["x-linkedin-id"] = urn
    return response


@bp.get("/api/rest/posts")
def find_posts():
    author = request.args.get("author", "")
    record, error = _authenticated(author or None)
    if error:
        return error
    if request.args.get("q") != "author" or not author:
        return _error(
            400, "Invalid query parameters: q=author and author are required", code="ILLEGAL_ARGUMENT"
        )
    why = _may_act_as(record, author, write=False)
    if why:
        return _forbidden(why, "partnerApiPostsExternal.FINDER-author")
    posts = [p for p in _state()["posts"].values() if p["author"] == author and not p["deleted"]]
    posts.sort(key=lambda p: (p["created"], p["id"]), reverse=True)
    return _paged([_post_json(p) for p in posts], with_total=False)


@bp.get("/api/rest/posts/<urn>")
def get_post(urn: str):
    post = _state()["posts"].get(urn)
    record, error = _authenticated(post["author"] if post else None)
    if error:
        return error
    if post is None or post["deleted"]:
        return _error(404, f"Not Found: {urn}", code="NOT_FOUND")
    why = _may_act_as(record, post["author"], write=False)
    return _forbidden(why, "partnerApiPostsExternal.GET") if why else jsonify(_post_json(post))


@bp.delete("/api/rest/posts/<urn>")
def delete_post(urn: str):
    post = _state()["posts"].get(urn)
    record, error = _authenticated(post["author"] if post else None)
    if error:
        return error
    if post is None:
        return _error(404, f"Not Found: {urn}", code="NOT_FOUND")
    why = _may_act_as(record, post["author"], write=True)
    if why:
        return _forbidden(why, "partnerApiPostsExternal.DELETE")
    post["deleted"] = True  # deleting twice is not an error
    return Response(status=204)


@bp.get("/www/feed/update/<urn>/")
def feed_update(urn: str):
    post = _state()["posts"].get(urn)
    if post is None or post["deleted"]:
        return "This post cannot be displayed", 404
    return f"<!doctype html><title>LinkedIn (sandbox)</title><p>{_plain(post['commentary'])}</p>"


# --- images ---------------------------------------------------------------------------------------
@bp.post("/api/rest/images")
def initialize_upload():
    owner = str(((request.get_json(silent=True) or {}).get("initializeUploadRequest") or {}).get("owner", ""))
    record, error = _authenticated(owner or None)
    if error:
        return error
    if request.args.get("action") != "initializeUpload":
        return _error(400, "Unsupported action", code="ILLEGAL_ARGUMENT")
    why = _may_act_as(record, owner, write=True)
    if why:
        return _forbidden(why, "images.ACTION-initializeUpload", field="initializeUploadRequest/owner")
    urn = f"urn:li:image:D4E10AQ{STORE.token('')[:14]}"
    key = STORE.token("")
    _state()["images"][urn] = {"owner": owner, "status": "WAITING_UPLOAD", "polls": 0}
    _state()["uploads"][key] = urn
    upload_url = request.host_url.rstrip("/") + f"/linkedin/www/dms-uploads/{key}"
    return jsonify(
        {
            "value": {
                "uploadUrlExpiresAt": _millis(now() + timedelta(days=1)),
                "uploadUrl": upload_url,
                "image": urn,
            }
        }
    )


@bp.put("/www/dms-uploads/<key>")
def upload_image(key: str):
    urn = _state()["uploads"].get(key)
    image = _state()["images"].get(urn or "")
    _record, error = _authenticated(image["owner"] if image else None)
    if error:
        return error
    if image is None:
        return _error(404, "Upload URL not found or expired", code="NOT_FOUND")
    data = request.get_data()
    known = data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n" or data[:4] == b"GIF8"
    image |= {"status": "PROCESSING" if known else "PROCESSING_FAILED", "size": len(data)}
    return Response(status=201)


@bp.get("/api/rest/images/<urn>")
def image_status(urn: str):
    image = _state()["images"].get(urn)
    _record, error = _authenticated(image["owner"] if image else None)
    if error:
        return error
    if image is None:
        return _error(404, f"Not Found: {urn}", code="NOT_FOUND")
    if image["status"] == "PROCESSING":
        # Processing takes a moment: the first look after the upload still sees PROCESSING.
        image["polls"] += 1
        if image["polls"] >= 2:
            image["status"] = "AVAILABLE"
    body = {"id": urn, "owner": image["owner"], "status": image["status"]}
    if image["status"] == "AVAILABLE":
        body["downloadUrl"] = f"https://media.licdn.example/{urn.rsplit(':', 1)[-1]}"
    return jsonify(body)


# --- comments -------------------------------------------------------------------------------------
_COMMENT_URN = re.compile(r"urn:li:comment:\((urn:li:(?:share|ugcPost):\d+),(\d+)\)")


def _post_of(urn: str) -> str:
    match = _COMMENT_URN.fullmatch(urn)
    return match.group(1) if match else urn


def _comment_count(state: dict[str, Any], post_urn: str) -> int:
    return sum(1 for c in state["comments"] if c["object"] == post_urn)


def _add_comment(
    state: dict[str, Any], post_urn: str, actor: str, text: str, parent: str | None = None
) -> dict[str, Any]:
    comment_id = str(STORE.next_id())
    comment = {
        "id": comment_id,
        "urn": f"urn:li:comment:({post_urn},{comment_id})",
        "object": post_urn,
        "parent": parent,
        "actor": actor,
        "text": text,
        "created": _millis(),
    }
    state["comments"].append(comment)
    return comment


def _comment_json(comment: dict[str, Any]) -> dict[str, Any]:
    replies = sum(1 for c in _state()["comments"] if c["parent"] == comment["urn"])
    stamp = {"actor": comment["actor"], "time": comment["created"]}
    body = {
        "$URN": comment["urn"],
        "commentUrn": comment["urn"],
        "id": comment["id"],
        "actor": comment["actor"],
        "object": comment["object"],
        "message": {"text": comment["text"], "attributes": []},
        "created": stamp,
        "lastModified": stamp,
        "likesSummary": {"totalLikes": 0, "aggregatedTotalLikes": 0, "likedByCurrentUser": False},
        "commentsSummary": {"totalFirstLevelComments": replies, "aggregatedTotalComments": replies},
    }
    if comment["parent"]:
        body["parentComment"] = comment["parent"]
    return body


def _commented(urn: str) -> tuple[dict[str, Any] | None, str | None]:
    """The post a socialActions URN (post or comment) belongs to, and the parent comment if any."""
    post = _state()["posts"].get(_post_of(urn))
    if post is None or post["deleted"]:
        return None, None
    if urn == post["id"]:
        return post, None
    known = any(c["urn"] == urn for c in _state()["comments"])
    return (post, urn) if known else (None, None)


@bp.get("/api/rest/socialActions/<urn>/comments")
def list_comments(urn: str):
    post, parent = _commented(urn)
    record, error = _authenticated(post["author"] if post else None)
    if error:
        return error
    if post is None:
        return _error(404, f"Not Found: {urn}", code="NOT_FOUND")
    why = _may_act_as(record, post["author"], write=False)
    if why:
        return _forbidden(why, "partnerApiSocialActions.FINDER")
    items = [
        _comment_json(c) for c in _state()["comments"] if c["object"] == post["id"] and c["parent"] == parent
    ]
    return _paged(items, with_total=True)


@bp.post("/api/rest/socialActions/<urn>/comments")
def create_comment(urn: str):
    body = request.get_json(silent=True) or {}
    actor = str(body.get("actor", ""))
    record, error = _authenticated(actor or None)
    if error:
        return error
    post, parent = _commented(urn)
    if post is None:
        return _error(404, f"Not Found: {urn}", code="NOT_FOUND")
    why = _may_act_as(record, actor, write=True)
    if why:
        return _forbidden(why, "partnerApiSocialActions.CREATE", field="actor")
    text = str((body.get("message") or {}).get("text", ""))
    if body.get("object") != post["id"] or not text:
        return _input_error("/object and /message/text are required", "MISSING_FIELD")
    comment = _add_comment(_state(), post["id"], actor, text, parent or body.get("parentComment"))
    STORE.record_published(
        network="linkedin", account=actor, remote_id=comment["urn"], kind="reply", text=text, post=post["id"]
    )
    if faults.response_lost("linkedin", account=actor):
        return faults.lost_response()
    response = jsonify(_comment_json(comment))
    response.status_code = 201
    response.headers["x-restli-id"] = comment["urn"]
    return response


# --- audience -------------------------------------------------------------------------------------
_FANS = ("urn:li:person:fN3kq81", "urn:li:person:mR7ds02", "urn:li:person:sA9lp55", "urn:li:person:eL2wx70")
_LINES = (
    "Complimenti, che qualità!",
    "Do you ship to Germany?",
    "Where can I buy this in Milan?",
    "Great news, congratulations to the team.",
    "When is the next open day?",
)


def simulate(state: dict[str, Any], rng) -> None:
    """One step of audience: organizations gain followers, posts are seen, clicked, liked and commented."""
    for org in state.get("organizations", {}).values():
        org["followers"] = max(0, org["followers"] + rng.choice((-1, 0, 1, 1, 2, 3)))
    for post in [p for p in state.get("posts", {}).values() if not p["deleted"]]:
        seen = rng.randint(5, 40)
        post["impressions"] += seen
        post["unique_impressions"] += rng.randint(seen // 2, seen)
        post["clicks"] += rng.randint(0, 3)
        post["likes"] += rng.randint(0, 4)
        post["shares"] += rng.choice((0, 0, 0, 1))
        if rng.random() < 0.6:
            _add_comment(state, post["id"], rng.choice(_FANS), rng.choice(_LINES))
