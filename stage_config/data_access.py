"""Config of the identity pool and the per-user photo bucket and table."""

from __future__ import annotations

from dataclasses import dataclass

from stage_config.checks import MIN_REASON, check_unique, check_web_origin, has_reason, require
from stage_config.section import Context, Section


@dataclass(frozen=True, kw_only=True)
class DataAccessConfig(Section):
    """Who gets AWS credentials, and for what.

    `elevated_groups` name user-pool groups whose members get the moderator role (their own data
    plus read access to every user's photos) instead of the plain user role.
    """

    web_origins: tuple[str, ...]
    elevated_groups: tuple[str, ...] = ()
    allow_guest_access: bool = False
    guest_access_reason: str = ""
    abort_multipart_after_days: int = 7
    noncurrent_versions_expire_after_days: int = 30

    def check(self, context: Context) -> None:
        require(
            bool(self.web_origins),
            "web_origins",
            "no web origin is set",
            "list the origins (scheme://host) of the web app that uploads to the bucket",
        )
        for index, origin in enumerate(self.web_origins):
            check_web_origin(origin, f"web_origins[{index}]", production=context.production)
        check_unique(self.web_origins, "web_origins")
        for index, group in enumerate(self.elevated_groups):
            require(
                group in context.groups,
                f"elevated_groups[{index}]",
                f"{group!r} is not one of the user pool groups {sorted(context.groups)}",
                "add the group to user_pool.groups or remove it from elevated_groups",
            )
        require(
            not self.allow_guest_access or has_reason(self.guest_access_reason),
            "guest_access_reason",
            "guest (unauthenticated) access is on without a stated reason",
            f"explain in a sentence ({MIN_REASON}+ characters) why anonymous visitors need AWS "
            "credentials, or set allow_guest_access=False",
        )
        for key, days in (
            ("abort_multipart_after_days", self.abort_multipart_after_days),
            ("noncurrent_versions_expire_after_days", self.noncurrent_versions_expire_after_days),
        ):
            require(
                1 <= days <= 3650,
                key,
                f"{days} is not 1-3650 days",
                "choose a number of days between 1 and 3650",
            )
