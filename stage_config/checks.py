"""Small validators shared by the config sections. Each raises ConfigError naming the key."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from stage_config.errors import ConfigError

_EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_DOMAIN_NAME = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 - a list, not a bind
LOG_RETENTION_DAYS = frozenset(
    {
        1,
        3,
        5,
        7,
        14,
        30,
        60,
        90,
        120,
        150,
        180,
        365,
        400,
        545,
        731,
        1096,
        1827,
        2192,
        2557,
        2922,
        3288,
        3653,
    }
)


SES_REGIONS_FROM_ANY_REGION = frozenset({"us-east-1", "us-west-2", "eu-west-1"})
"""The SES Regions a user pool in another Region may send through (CDK's UserPoolSESOptions);
otherwise SES must be in the pool's own Region."""


def require(condition: bool, key: str, problem: str, fix: str) -> None:
    """Raise ConfigError(key, problem, fix) unless `condition` holds."""
    if not condition:
        raise ConfigError(key, problem, fix)


MIN_REASON = 60
"""A stated reason becomes a scanner acknowledgment in the template: a sentence, not a word."""


def has_reason(text: str) -> bool:
    """True when `text` is long enough to be the reason a reviewer reads."""
    return len(text.strip()) >= MIN_REASON


def check_email(value: str, key: str) -> None:
    require(
        bool(_EMAIL.match(value)),
        key,
        f"{value!r} is not an email address",
        "use a full address such as no-reply@example.com",
    )


def check_domain_name(value: str, key: str) -> None:
    require(
        bool(_DOMAIN_NAME.match(value)),
        key,
        f"{value!r} is not a lowercase DNS name",
        "use a fully qualified name such as auth.example.com",
    )


def check_region(value: str, key: str) -> None:
    require(
        bool(re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", value)),
        key,
        f"{value!r} is not an AWS region name",
        "use e.g. 'eu-west-1'",
    )


def check_range(value: timedelta, low: timedelta, high: timedelta, key: str) -> None:
    require(
        low <= value <= high,
        key,
        f"{value} is outside Cognito's range {low} to {high}",
        f"choose a value between {low} and {high}",
    )


def is_local_or_plain_http(url: str) -> bool:
    """True for http:// URLs and loopback hosts: fine on a laptop, never in production."""
    parts = urlsplit(url)
    return parts.scheme == "http" or (parts.hostname or "") in _LOCAL_HOSTS


def check_redirect_urls(urls: Iterable[str], key: str, *, production: bool) -> None:
    """Callback/logout URLs: absolute, no fragment; https (or an app scheme) in production."""
    for index, url in enumerate(urls):
        item = f"{key}[{index}]"
        parts = urlsplit(url)
        require(
            bool(parts.scheme) and bool(parts.netloc or parts.path),
            item,
            f"{url!r} is not an absolute URL",
            "use e.g. https://app.example.com/callback",
        )
        require(
            not parts.fragment,
            item,
            f"{url!r} has a #fragment, which OAuth forbids",
            "drop the part after '#'",
        )
        if production:
            require(
                not is_local_or_plain_http(url),
                item,
                f"{url!r} is plain http or localhost, which production must not redirect to",
                "use an https:// URL on your real domain (or a custom app scheme for mobile)",
            )


def check_web_origin(origin: str, key: str, *, production: bool) -> None:
    """A CORS origin is scheme://host[:port] and nothing else, not even a trailing slash:
    browsers send `Origin` without one and S3 matches a bucket's CORS origins exactly, so
    `https://host/` would never match."""
    parts = urlsplit(origin)
    require(
        parts.scheme in {"http", "https"}
        and bool(parts.hostname)
        and not parts.path
        and not parts.query
        and not parts.fragment,
        key,
        f"{origin!r} is not a web origin",
        "use scheme://host[:port], e.g. https://photos.example.com, without a path",
    )
    if production:
        require(
            not is_local_or_plain_http(origin),
            key,
            f"{origin!r} is plain http or localhost, which production must not trust",
            "use the https:// origin of the deployed web app",
        )


def check_unique(names: Iterable[str], key: str) -> None:
    """Each entry once; an entry is named by its text (an enum member by its value)."""
    seen: set[str] = set()
    for name in names:
        require(
            name not in seen, key, f"{str(name)!r} appears twice", "give each entry a unique name"
        )
        seen.add(name)


def check_daily_backup(start_hour_utc: int, retention_days: int, kept: str) -> None:
    """A daily backup's start hour (UTC) and how many days it keeps `kept` (the range AWS
    Backup and S3 lifecycle rules both take)."""
    require(
        0 <= start_hour_utc <= 23,
        "start_hour_utc",
        f"{start_hour_utc} is not an hour of the day",
        "use 0 to 23 (UTC)",
    )
    require(
        1 <= retention_days <= 36500,
        "retention_days",
        f"{retention_days} is outside the retention range (1-36500 days)",
        f"keep {kept} 1 to 36500 days",
    )


PRODUCTION_MIN_RETENTION_DAYS = 365
"""AWS Control Tower's log controls expect a year; production keeps its logs that long."""


def check_log_retention(days: int, key: str, *, production: bool) -> None:
    require(
        days in LOG_RETENTION_DAYS,
        key,
        f"{days} is not a CloudWatch Logs retention period",
        f"use one of {', '.join(map(str, sorted(LOG_RETENTION_DAYS)))}",
    )
    require(
        not production or days >= PRODUCTION_MIN_RETENTION_DAYS,
        key,
        f"{days} days is too short for a production audit trail",
        f"use at least {PRODUCTION_MIN_RETENTION_DAYS} (AWS Control Tower's log controls "
        "expect a year)",
    )
