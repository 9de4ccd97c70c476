"""Encryption at rest for network tokens and app secrets, with key rotation (Fernet, newest key first)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from tenants.settings import Settings


class TokenCipher:
    """Encrypts with the first key, decrypts with any; `rotate` re-encrypts under the first."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        if not keys:
            raise ValueError("at least one token encryption key is needed")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenCipher:
        """The cipher for TOKEN_ENCRYPTION_KEYS."""
        return cls(settings.token_keys)

    def encrypt(self, plaintext: str | None) -> str | None:
        """Ciphertext of a secret (None stays None)."""
        if plaintext is None:
            return None
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str | None) -> str | None:
        """The secret back; ValueError when no configured key can read it."""
        if ciphertext is None:
            return None
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("token cannot be decrypted with the configured keys") from exc

    def rotate(self, ciphertext: str | None) -> str | None:
        """The same secret encrypted under the newest key."""
        if ciphertext is None:
            return None
        return self._fernet.rotate(ciphertext.encode()).decode()
