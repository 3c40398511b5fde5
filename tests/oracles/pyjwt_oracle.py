#!/usr/bin/env python3
"""PyJWT as an independent JWT implementation for the `token` tests.

Install (the exact command used to set this up; it resolved PyJWT 2.15.1, cryptography 48.0.0):

    pip install pyjwt cryptography

Subcommands (JSON in on stdin, JSON out on stdout):

  keygen DIR   write rsa.pem/rsa.pub.pem and rsa2.pem/rsa2.pub.pem (RSA 2048) into DIR
  check        exit 0 when PyJWT and cryptography import (prints their versions)
  mint         {"keys": {"name": "secret text" | {"pem": "path"}},
                "tokens": [{"id", "alg", "key", "headers", "claims", "mutate"}]}
               -> {"id": "token", ...}
  verify       {"token", "alg", "key" (secret or {"pem": path}), "audience", "issuer"}
               -> {"ok": true, "header": {...}, "claims": {...}} or {"ok": false, "error": "..."}

`mutate` damages a token after signing, the way a broken client or copy-paste would:
  tamper-payload   re-encode the payload with "room" changed, keep the signature
  header-not-json  replace the header with base64url("not json")
  double-dot       "h..p.s" (Lua's splitter drops the empty part)
  backslash        put a backslash inside the signature (Lua splits on it too)
  strip-signature  "h.p." (what alg "none" looks like without the signature)
  url              wrap it as https://meet.example.org/standup?jwt=TOKEN
"""

import base64
import json
import sys


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_key(spec, private):
    if isinstance(spec, dict):
        with open(spec["pem"], "rb") as f:
            return f.read()
    return spec


def mutate(token: str, how: str) -> str:
    h, p, s = token.split(".")
    if how == "tamper-payload":
        claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
        claims["room"] = "someone-elses-room"
        return ".".join([h, b64url(json.dumps(claims).encode()), s])
    if how == "header-not-json":
        return ".".join([b64url(b"not json"), p, s])
    if how == "double-dot":
        return h + ".." + p + "." + s
    if how == "backslash":
        return h + "." + p + "." + s[:5] + "\\" + s[5:]
    if how == "strip-signature":
        return h + "." + p + "."
    if how == "url":
        return "https://meet.example.org/standup?jwt=" + token + "#config.startWithAudioMuted=true"
    raise SystemExit("unknown mutation " + how)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    try:
        import jwt  # noqa: F401
        import cryptography
    except ImportError as e:
        print("PyJWT is missing (%s): pip install pyjwt cryptography" % e, file=sys.stderr)
        return 3
    import jwt

    if cmd == "check":
        print(json.dumps({"pyjwt": jwt.__version__, "cryptography": cryptography.__version__}))
        return 0
    if cmd == "keygen":
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        for name in ("rsa", "rsa2"):
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            with open("%s/%s.pem" % (sys.argv[2], name), "wb") as f:
                f.write(
                    key.private_bytes(
                        serialization.Encoding.PEM,
                        serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption(),
                    )
                )
            with open("%s/%s.pub.pem" % (sys.argv[2], name), "wb") as f:
                f.write(
                    key.public_key().public_bytes(
                        serialization.Encoding.PEM,
                        serialization.PublicFormat.SubjectPublicKeyInfo,
                    )
                )
        return 0
    request = json.load(sys.stdin)
    if cmd == "mint":
        keys = request.get("keys", {})
        out = {}
        for spec in request["tokens"]:
            alg = spec.get("alg", "HS256")
            key = None if alg == "none" else load_key(keys[spec.get("key", "secret")], True)
            token = jwt.encode(spec["claims"], key, algorithm=alg, headers=spec.get("headers"))
            if spec.get("mutate"):
                token = mutate(token, spec["mutate"])
            out[spec["id"]] = token
        json.dump(out, sys.stdout)
        return 0
    if cmd == "verify":
        key = load_key(request["key"], False)
        try:
            claims = jwt.decode(
                request["token"],
                key,
                algorithms=[request["alg"]],
                audience=request.get("audience"),
                issuer=request.get("issuer"),
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
            header = jwt.get_unverified_header(request["token"])
            json.dump({"ok": True, "header": header, "claims": claims}, sys.stdout)
        except jwt.PyJWTError as e:
            json.dump({"ok": False, "error": "%s: %s" % (type(e).__name__, e)}, sys.stdout)
        return 0
    raise SystemExit("usage: pyjwt_oracle.py keygen DIR | check | mint | verify")


if __name__ == "__main__":
    sys.exit(main())
