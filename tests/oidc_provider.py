"""A minimal local OpenID Connect provider for the sign-in end-to-end test (no network).

Authorization-code flow with PKCE (S256), as Streamlit's `st.login` (Authlib) drives it:
discovery document, `/authorize` (no login form: it signs in the user given to the provider,
as an identity provider with a single known user would), `/token` (checks the client secret,
the code, the redirect URI and the PKCE verifier; returns an RS256 ID token carrying the nonce),
`/jwks`, `/userinfo`. Keys are generated at start with Authlib's JOSE implementation (the
package Streamlit needs for `st.login`). Serves on 127.0.0.1 in a thread.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from authlib.jose import JsonWebKey, jwt


class Provider:
    def __init__(self, client_id: str, client_secret: str, email: str, name: str = "") -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.email, self.name = email, name or email
        self.key = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "k1"})
        self.codes: dict[str, dict] = {}
        self.tokens_issued = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def start(self) -> Provider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def metadata(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def claims(self) -> dict:
        return {
            "sub": "u-" + hashlib.sha256(self.email.encode()).hexdigest()[:12],
            "email": self.email,
            "email_verified": True,
            "name": self.name,
        }

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        payload = {
            **self.claims(),
            "iss": self.url,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 3600,
        }
        if nonce:
            payload["nonce"] = nonce
        return jwt.encode({"alg": "RS256", "kid": "k1"}, payload, self.key).decode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # noqa: ARG002 - quiet server
                return

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, provider.metadata())
                elif url.path == "/jwks":
                    self._json(200, {"keys": [provider.key.as_dict(is_private=False)]})
                elif url.path == "/userinfo":
                    self._json(200, provider.claims())
                elif url.path == "/authorize":
                    if q.get("client_id") != provider.client_id or "redirect_uri" not in q:
                        self._json(400, {"error": "invalid_request"})
                        return
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = q
                    target = (
                        q["redirect_uri"]
                        + "?"
                        + urlencode({"code": code, "state": q.get("state", "")})
                    )
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                if urlparse(self.path).path != "/token":
                    self._json(404, {"error": "not_found"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                client_id, secret = form.get("client_id"), form.get("client_secret")
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                request = provider.codes.pop(form.get("code", ""), None)
                if (
                    request is None
                    or client_id != provider.client_id
                    or secret != provider.client_secret
                    or form.get("redirect_uri") != request.get("redirect_uri")
                ):
                    self._json(400, {"error": "invalid_grant"})
                    return
                if request.get("code_challenge"):
                    verifier = form.get("code_verifier", "").encode()
                    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest())
                    if digest.rstrip(b"=").decode() != request["code_challenge"]:
                        self._json(400, {"error": "invalid_grant", "error_description": "pkce"})
                        return
                provider.tokens_issued += 1
                self._json(
                    200,
                    {
                        "access_token": secrets.token_urlsafe(16),
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "scope": request.get("scope", "openid"),
                        "id_token": provider.id_token(request.get("nonce")),
                    },
                )

        return Handler
