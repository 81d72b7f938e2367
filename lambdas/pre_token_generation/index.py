"""Pre token generation trigger (event version V3_0): app claims in ID and access tokens.

Runs on every sign-in, every refresh and every client-credentials token request, so it does no
I/O: the role claim comes from the groups already in the event, the owner claim (with the
directory backup) from the user's attributes in the event, the rest from config. V3 is V2
plus machine-to-machine tokens (no user, no ID token: the server client's access token gets
`server_claims`); both need the ESSENTIALS or PLUS plan (the stage config refuses LITE with
triggers on).
"""

from __future__ import annotations

from typing import Any

from directory_backup.records import owner_id
from trigger_common import MalformedEventError, check_shape, user_safe, value_at

from pre_token_generation.settings import PreTokenGenerationSettings

ROLE_CLAIM = "app:role"
GROUPS_CLAIM = "app:groups"
CLIENT_CREDENTIALS = "TokenGeneration_ClientCredentials"
VERSIONS = ("2", "3")
"""V3_0 as configured; V2 is the same event and arrives while a deploy switches version."""
SERVICE_ROLE = "service"


def claims_for(groups: list[str], settings: PreTokenGenerationSettings) -> dict[str, str]:
    role = "admin" if set(settings.elevated_groups).intersection(groups) else "member"
    return {**settings.extra_claims, ROLE_CLAIM: role, GROUPS_CLAIM: ",".join(sorted(groups))}


def _names(event: dict[str, Any], path: str) -> list[str]:
    """A list of strings at `path` (absent means empty), or MalformedEventError."""
    names = value_at(event, path) or []
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise MalformedEventError(f"event.{path} is not a list of names")
    return names


def handle(
    event: dict[str, Any], context: object, *, settings: PreTokenGenerationSettings | None = None
) -> dict[str, Any]:
    check_shape(event, strings=("userPoolId", "triggerSource"), mappings=("request", "response"))
    if event.get("version") not in VERSIONS:
        raise MalformedEventError(
            f"event.version is {event.get('version')!r}; this trigger is "
            "configured for event version V3_0"
        )
    settings = settings or PreTokenGenerationSettings.of_this_function()
    if event["triggerSource"] == CLIENT_CREDENTIALS:
        # A machine: no user, no groups, no ID token; only its access token's claims.
        check_shape(event, strings=("callerContext.clientId",))
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "accessTokenGeneration": {
                "claimsToAddOrOverride": {**settings.server_claims, ROLE_CLAIM: SERVICE_ROLE}
            }
        }
        return event
    check_shape(event, strings=("userName",))
    claims = claims_for(_names(event, "request.groupConfiguration.groupsToOverride"), settings)
    if settings.owner_claim:
        # Last, so no configured claim can stand in for it. The attribute it may come from is
        # set only by an administrator (the restore): no app client can write it.
        check_shape(
            event, strings=("request.userAttributes.sub",), string_maps=("request.userAttributes",)
        )
        claims[settings.owner_claim] = owner_id(event["request"]["userAttributes"])
    requested = set(_names(event, "request.scopes"))
    # Cognito sends no overrides (null); this trigger writes the whole override object, as a
    # plain dict: Powertools' response helpers for it changed between 3.x releases.
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": claims},
        "accessTokenGeneration": {
            "claimsToAddOrOverride": claims,
            "scopesToAdd": [s for s in settings.access_token_scopes if s not in requested],
        },
    }
    return event


handler = user_safe(handle)  # the entry point; not a decorator (see user_safe)
