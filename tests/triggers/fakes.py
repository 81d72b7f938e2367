"""In-memory stand-ins for the triggers' AWS seams (used by tests and `make bench`)."""

from __future__ import annotations

import dataclasses

from post_confirmation.index import Profile


@dataclasses.dataclass
class RecordingStore:
    """Post-confirmation store that records writes instead of calling AWS."""

    profiles: list[Profile] = dataclasses.field(default_factory=list)
    memberships: list[str] = dataclasses.field(default_factory=list)

    def create_profile(self, profile: Profile) -> bool:
        self.profiles.append(profile)
        return True

    def add_to_group(self, pool_id: str, username: str, group: str) -> None:
        self.memberships.append(group)


class EmptyDirectory:
    """Pre-sign-up directory with no native users: nothing is ever linked."""

    def verified_native_user(self, pool_id: str, email: str) -> str | None:
        return None

    def link(self, pool_id: str, native_username: str, provider: str, subject: str) -> None:
        raise AssertionError("unreachable: there is no native user to link to")
