import stat

from tenants.settings import Settings, normalise_database_url


def test_defaults_use_sqlite_in_instance_and_embedded_redis(tmp_path):
    settings = Settings.from_env({"CADENZA_INSTANCE_PATH": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'cadenza.db'}"
    assert settings.uses_embedded_redis
    assert settings.redis_url_or_embedded == "redis://127.0.0.1:6390/0"
    assert settings.signup_enabled and not settings.session_cookie_secure


def test_secrets_are_generated_once_private_and_reused(tmp_path):
    first = Settings.from_env({"CADENZA_INSTANCE_PATH": str(tmp_path)})
    second = Settings.from_env({"CADENZA_INSTANCE_PATH": str(tmp_path)})
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 40
    assert first.token_keys == second.token_keys
    for name in ("secret_key", "token_keys"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


def test_environment_overrides(tmp_path):
    settings = Settings.from_env(
        {
            "CADENZA_INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": "postgres://u@db/cadenza",
            "REDIS_URL": "redis://cache:6379/1",
            "SECRET_KEY": "s",
            "TOKEN_ENCRYPTION_KEYS": "k1, k2",
            "CADENZA_SIGNUP_ENABLED": "false",
            "CADENZA_BASE_URL": "https://cadenza.agency.example/",
            "SMTP_HOST": "smtp.example.com",
            "SMTP_PORT": "2525",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u@db/cadenza"
    assert settings.redis_url == "redis://cache:6379/1" and not settings.uses_embedded_redis
    assert settings.token_keys == ("k1", "k2")
    assert not settings.signup_enabled
    assert settings.session_cookie_secure  # https base URL
    assert settings.base_url == "https://cadenza.agency.example"
    assert (settings.smtp.host, settings.smtp.port) == ("smtp.example.com", 2525)
    assert not (tmp_path / "secret_key").exists()


def test_database_url_normalisation():
    assert normalise_database_url("postgresql://x/y") == "postgresql+psycopg://x/y"
    assert normalise_database_url("postgresql+psycopg://x/y") == "postgresql+psycopg://x/y"
    assert normalise_database_url("sqlite:///a.db") == "sqlite:///a.db"


def test_media_path_and_upload_limit(tmp_path):
    default = Settings.from_env({"CADENZA_INSTANCE_PATH": str(tmp_path)})
    assert default.media_path == tmp_path.resolve() / "media"
    assert default.max_upload_bytes == 200 * 1024 * 1024
    custom = Settings.from_env(
        {
            "CADENZA_INSTANCE_PATH": str(tmp_path),
            "CADENZA_MEDIA_PATH": str(tmp_path / "files"),
            "CADENZA_MAX_UPLOAD_MB": "50",
        }
    )
    assert custom.media_path == tmp_path.resolve() / "files" and custom.max_upload_bytes == 50 * 1024 * 1024
