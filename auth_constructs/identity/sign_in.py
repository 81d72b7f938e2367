"""How people sign in to every pool this project builds: fixed at creation on purpose (changing
sign-in attributes means a new pool and losing every user). The user pool construct applies it,
the client config tells Amplify about it. (No CDK here: tools import it.)"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 12
    require_lowercase: bool = True
    require_uppercase: bool = True
    require_digits: bool = True
    require_symbols: bool = True
    temporary_password_days: int = 3


PASSWORD_POLICY = PasswordPolicy()
USERNAME_ATTRIBUTE = "email"
"""People sign in with their email address: the one required, verified attribute too."""
