"""The Microsoft identity platform endpoints the emulator serves (client credentials)."""

from outlook_emulator.identity.app import IdentityApp
from outlook_emulator.identity.tokens import AccessToken, TokenRejected, TokenService

__all__ = ["AccessToken", "IdentityApp", "TokenRejected", "TokenService"]
