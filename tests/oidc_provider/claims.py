"""The claims the test provider sends: the standard ones from its users, and a "groups" claim (the
scope "groups") with the names of the person's Django groups there, as Entra ID sends group ids."""

from oidc_provider.lib.claims import ScopeClaims


def userinfo(claims, user):
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    claims["name"] = f"{user.first_name} {user.last_name}".strip()
    claims["preferred_username"] = user.username
    claims["email"] = user.email
    # The test people whose username ends "-unverified" have an address the provider has not checked.
    claims["email_verified"] = not user.username.endswith("-unverified")
    return claims


class GroupClaims(ScopeClaims):
    info_groups = ("Groups", "The groups you are in.")

    def scope_groups(self):
        return {"groups": sorted(self.user.groups.values_list("name", flat=True))}
