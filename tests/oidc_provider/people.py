"""Run in the test provider's process (``python -m tests.oidc_provider.people '<json>'``): make the
portal's client and put people in groups. The JSON is
{"client": {"id", "secret", "redirect_uri", "post_logout_redirect_uri"} (optional),
 "people": [{"username", "password", "email", "first_name", "last_name", "groups": [...]}] (optional)}.
"""

import json
import sys

import django


def main(spec: dict) -> None:
    from django.contrib.auth.models import Group, User
    from oidc_provider.models import Client, ResponseType

    if "client" in spec:
        client_spec = spec["client"]
        client, _ = Client.objects.update_or_create(
            client_id=client_spec["id"],
            defaults={
                "name": "Bromley Portal",
                "client_type": "confidential",
                "client_secret": client_spec["secret"],
                "jwt_alg": "RS256",
                "require_consent": False,
                "reuse_consent": True,
                "_redirect_uris": client_spec["redirect_uri"],
                "_post_logout_redirect_uris": client_spec["post_logout_redirect_uri"],
                "_scope": "openid email profile groups",
            },
        )
        client.response_types.set(ResponseType.objects.filter(value="code"))
    for person in spec.get("people", []):
        user, _ = User.objects.update_or_create(
            username=person["username"],
            defaults={key: person[key] for key in ("email", "first_name", "last_name") if key in person},
        )
        if "password" in person:
            user.set_password(person["password"])
            user.save()
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in person.get("groups", [])])


if __name__ == "__main__":
    django.setup()
    main(json.loads(sys.argv[1]))
