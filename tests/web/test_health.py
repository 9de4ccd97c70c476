from web import create_app


def test_healthz_answers_without_dependencies(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_reports_database_and_redis(client):
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_is_503_naming_redis_when_it_does_not_answer(settings):
    app = create_app(settings.with_overrides(redis_url="redis://127.0.0.1:1/0"))
    resp = app.test_client().get("/readyz")
    app.extensions["cadenza"]["engine"].dispose()
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"].startswith("unavailable")


def test_readyz_is_503_naming_the_database_when_it_does_not_answer(settings, tmp_path):
    broken = settings.with_overrides(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = create_app(broken)
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["checks"]["database"].startswith("unavailable")
    assert resp.get_json()["checks"]["redis"] == "ok"
