#!/usr/bin/env python3
"""Drives the Okta simulator with Okta's official Python SDK (PyPI `okta==3.4.6`).

Usage: OKTA_ORG_URL=http://127.0.0.1:PORT OKTA_API_TOKEN=... python3 check.py

The simulator speaks plain HTTP; the SDK refuses non-https org URLs unless its testing
switch `testing.testingDisableHttpsCheck` is on (okta/config/config_validator.py). That switch
cannot be passed in the client's config dict (which is merged under `client`), so it is set
through the SDK's environment mapping (okta/config/config_setter.py `_apply_env_config`):
`OKTA_TESTING_TESTINGDISABLEHTTPSCHECK`.

Exits 0 when every check passes, 1 on the first failure.
"""

import asyncio
import os
import sys
import uuid
from urllib.parse import parse_qs, urlparse

os.environ.setdefault("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")

from okta.client import Client  # noqa: E402
from okta.models import (  # noqa: E402
    AddGroupRequest,
    CreateUserRequest,
    OktaUserGroupProfile,
    UserProfile,
)

CHECKS = 0


class CheckFailed(Exception):
    pass


def check(condition, message):
    global CHECKS
    CHECKS += 1
    if not condition:
        raise CheckFailed(message)


def value_of(result, what):
    """SDK calls return (value, response, error) or (response, error); fail on error."""
    if not isinstance(result, tuple):
        return result
    error = result[-1]
    if error is not None:
        raise CheckFailed(f"{what}: {error}")
    return result[0] if len(result) == 3 else None


def next_cursor(headers):
    """The `after` of the rel="next" link. Okta sends one `link` header per relation
    (self first, next last); the SDK's ApiResponse.headers is a plain dict built from
    aiohttp's multi-dict, so only the last `Link` value survives there, under `Link`."""
    if hasattr(headers, "getall"):
        values = headers.getall("link", [])
    else:
        values = [v for k, v in headers.items() if k.lower() == "link"]
    for value in values:
        for link in value.split(","):
            if 'rel="next"' in link:
                url = link.split(";")[0].strip().strip("<>")
                after = parse_qs(urlparse(url).query).get("after")
                return after[0] if after else None
    return None


def status_of(user):
    status = user.status
    return getattr(status, "value", status)


async def run(org_url, token):
    client = Client({"orgUrl": org_url, "token": token})
    suffix = uuid.uuid4().hex[:8]
    login = f"sdk.check.{suffix}@example.com"

    # Create a staged user.
    profile = UserProfile(firstName="Sdk", lastName="Check", email=login, login=login)
    user = value_of(
        await client.create_user(CreateUserRequest(profile=profile), activate=False),
        "create_user",
    )
    check(user.id.startswith("00u"), f"user id {user.id}")
    check(status_of(user) == "STAGED", f"created status {status_of(user)}")
    user_id = user.id

    # Get it by login.
    fetched = value_of(await client.get_user(login), "get_user by login")
    check(fetched.id == user_id, "get_user by login returns the created user")
    check(fetched.profile.login == login, "login round-trips")

    # List with paging (limit 2 over at least 3 users: the seeded ones plus this one),
    # following the `after` cursor of the `rel="next"` Link header.
    seen = []
    pages = 0
    after = None
    while True:
        kwargs = {"limit": 2}
        if after is not None:
            kwargs["after"] = after
        users, response, error = await client.list_users(**kwargs)
        check(error is None, f"list_users: {error}")
        check(len(users) <= 2, f"page has {len(users)} users")
        seen.extend(u.id for u in users)
        pages += 1
        check(pages < 1000, "paging terminates")
        after = next_cursor(response.headers)
        if after is None:
            break
    check(pages >= 2, f"listing took {pages} pages")
    check(len(seen) == len(set(seen)), "no user twice across pages")
    check(user_id in seen, "the new user is listed")

    # Lifecycle: activate (sendEmail=false gives a token), suspend, unsuspend, deactivate.
    token_reply = value_of(
        await client.activate_user(user_id, send_email=False), "activate_user"
    )
    check(token_reply is not None and token_reply.activation_token, "activation token")
    after = value_of(await client.get_user(user_id), "get_user")
    check(status_of(after) == "PROVISIONED", f"after activate: {status_of(after)}")

    # A user with a password activates straight to ACTIVE and can be suspended.
    login2 = f"sdk.active.{suffix}@example.com"
    active = value_of(
        await client.create_user(
            CreateUserRequest.from_dict(
                {
                    "profile": {
                        "firstName": "Sdk",
                        "lastName": "Active",
                        "email": login2,
                        "login": login2,
                    },
                    "credentials": {"password": {"value": "Sup3r-Secret-Passw0rd"}},
                }
            ),
            activate=True,
        ),
        "create active user",
    )
    check(status_of(active) == "ACTIVE", f"active user status {status_of(active)}")
    value_of(await client.suspend_user(active.id), "suspend_user")
    check(
        status_of(value_of(await client.get_user(active.id), "get")) == "SUSPENDED",
        "suspended",
    )
    value_of(await client.unsuspend_user(active.id), "unsuspend_user")
    check(
        status_of(value_of(await client.get_user(active.id), "get")) == "ACTIVE",
        "unsuspended",
    )
    value_of(await client.deactivate_user(active.id), "deactivate_user")
    check(
        status_of(value_of(await client.get_user(active.id), "get")) == "DEPROVISIONED",
        "deactivated",
    )

    # Suspending a non-active user is E0000001.
    result = await client.suspend_user(user_id)
    error = result[-1]
    check(error is not None, "suspending a PROVISIONED user fails")
    check("E0000001" in str(error), f"suspend error is E0000001: {error}")

    # Groups: create, add the user, list members.
    group = value_of(
        await client.add_group(
            AddGroupRequest(
                profile=OktaUserGroupProfile(
                    name=f"SDK check {suffix}", description="from check.py"
                )
            )
        ),
        "add_group",
    )
    check(group.id.startswith("00g"), f"group id {group.id}")
    value_of(await client.assign_user_to_group(group.id, user_id), "assign_user_to_group")
    members = value_of(await client.list_group_users(group.id), "list_group_users")
    check([m.id for m in members] == [user_id], f"members {[m.id for m in members]}")

    # Deactivate the first user too, then delete it (second DELETE).
    value_of(await client.deactivate_user(user_id), "deactivate_user")
    await client.delete_user(user_id)
    result = await client.get_user(user_id)
    check(result[-1] is not None and "E0000007" in str(result[-1]), "deleted user is gone")


def main():
    org_url = os.environ.get("OKTA_ORG_URL")
    token = os.environ.get("OKTA_API_TOKEN")
    if not org_url or not token:
        print("set OKTA_ORG_URL and OKTA_API_TOKEN", file=sys.stderr)
        return 2
    try:
        asyncio.run(run(org_url, token))
    except CheckFailed as failure:
        print(f"FAILED after {CHECKS} checks: {failure}", file=sys.stderr)
        return 1
    except Exception as error:  # an SDK exception is a failure too
        print(f"ERROR after {CHECKS} checks: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"okta python sdk: {CHECKS} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
