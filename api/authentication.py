"""Authentication by a personal API token (``Authorization: Bearer bp_…``), made on the account page.

A token that is malformed, unknown, revoked or expired is refused with 401 and says which; with no
``Authorization`` header the session (a signed-in browser) is tried next.
"""

from rest_framework import authentication, exceptions

from bromley_portal.accounts import tokens

KEYWORD = "Bearer"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send one token after “Bearer”, with no spaces in it.")
        try:
            return tokens.authenticate(header[1].decode("ascii"))
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not one the portal made.") from None
        except tokens.TokenRefused as refused:
            raise exceptions.AuthenticationFailed(str(refused)) from None

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'
