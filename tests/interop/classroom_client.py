#!/usr/bin/env python3
"""A class client written from docs/classroom.md and docs/wire-format.md alone, with the
`cryptography` package: no code of doormat's. The tests use it to join a class beside
browser students, to talk with them, and to check that each side reads the other.

    classroom_client.py join URL NAME STATE [--fingerprint AB:CD:...]
    classroom_client.py send STATE TO[,TO...] TEXT
    classroom_client.py read STATE          (one JSON line per message, opened)
    classroom_client.py leaked STATE        (every captured message, opened with the leaked key)

STATE is a JSON file this script writes at join: the URL, the token, the private key.
Over HTTPS the server's certificate is pinned by its SHA-256 fingerprint (as the
projector shows it), not checked against any authority.
"""

import base64
import hashlib
import http.client
import json
import os
import ssl
import sys
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def b64(data):
    return base64.b64encode(data).decode()


def unb64(text):
    return base64.b64decode(text, validate=True)


def aad(envelope):
    return ("doormat/1\n%s\n%s\n%s" % (envelope["id"], envelope["from"], ",".join(envelope["to"]))).encode()


class Server:
    def __init__(self, url, fingerprint=None):
        parts = urllib.parse.urlsplit(url)
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port or (443 if self.https else 80)
        self.fingerprint = fingerprint

    def call(self, method, path, body=None, token=None, accept="application/json"):
        if self.https:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # pinned below instead
            conn = http.client.HTTPSConnection(self.host, self.port, context=context, timeout=30)
            conn.connect()
            seen = hashlib.sha256(conn.sock.getpeercert(binary_form=True)).hexdigest().upper()
            seen = ":".join(seen[i:i + 2] for i in range(0, len(seen), 2))
            if seen != self.fingerprint:
                raise SystemExit("certificate fingerprint %s is not the one given (%s)" % (seen, self.fingerprint))
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {"Accept": accept}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = "Bearer " + token
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        kind = response.getheader("Content-Type") or ""
        return response.status, (json.loads(raw) if "json" in kind else raw.decode())


def load(state_path):
    with open(state_path) as f:
        state = json.load(f)
    server = Server(state["url"], state.get("fingerprint"))
    key = serialization.load_pem_private_key(state["private_key"].encode(), password=None)
    return state, server, key


def expect(status, answer, what):
    if status != 200:
        raise SystemExit("%s: %d %s" % (what, status, answer))
    return answer


def join(url, name, state_path, fingerprint):
    server = Server(url, fingerprint)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    answer = expect(*server.call("POST", "/api/join", {"name": name, "public_key": public}), "join")
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    fd = os.open(state_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"url": url, "fingerprint": fingerprint, "name": answer["name"],
                   "token": answer["token"], "scheme": answer["scheme"],
                   "escrow_public_key": answer["escrow_public_key"], "private_key": private}, f)
    print(json.dumps({"name": answer["name"], "scheme": answer["scheme"]}))


def send(state_path, to, text):
    state, server, key = load(state_path)
    directory = expect(*server.call("GET", "/api/directory"), "directory")
    keys = {p["name"]: serialization.load_pem_public_key(p["public_key_pem"].encode())
            for p in directory["parties"] if p["role"] == "user"}
    envelope = {"v": 1, "id": "py" + os.urandom(8).hex(), "from": state["name"], "to": to,
                "scheme": state["scheme"]}
    content_key = os.urandom(32)
    nonce = os.urandom(12)
    envelope["nonce"] = b64(nonce)
    envelope["ct"] = b64(AESGCM(content_key).encrypt(nonce, text.encode(), aad(envelope)))
    envelope["wrapped"] = {reader: b64(keys[reader].encrypt(content_key, OAEP))
                           for reader in [state["name"]] + to}
    if state["escrow_public_key"]:
        escrow = serialization.load_pem_public_key(state["escrow_public_key"].encode())
        envelope["escrow"] = b64(escrow.encrypt(content_key, OAEP))
    print(json.dumps(expect(*server.call("POST", "/api/send", envelope, token=state["token"]), "send")))


def opened(envelope, key, wrap):
    try:
        content_key = key.decrypt(unb64(wrap), OAEP)
        text = AESGCM(content_key).decrypt(unb64(envelope["nonce"]), unb64(envelope["ct"]), aad(envelope))
        return text.decode()
    except Exception:
        return None


def read(state_path):
    state, server, key = load(state_path)
    answer = expect(*server.call("GET", "/api/messages?after=0", token=state["token"]), "messages")
    for envelope in answer["messages"]:
        wrap = envelope["wrapped"].get(state["name"])
        text = opened(envelope, key, wrap) if wrap else None
        print(json.dumps({"id": envelope["id"], "from": envelope["from"], "to": envelope["to"], "text": text}))


def leaked(state_path):
    state, server, _ = load(state_path)
    status, pem = server.call("GET", "/api/leaked-key", accept="application/x-pem-file")
    expect(status, pem, "leaked-key")
    escrow = serialization.load_pem_private_key(pem.encode(), password=None)
    answer = expect(*server.call("GET", "/api/capture?after=0"), "capture")
    for envelope in answer["messages"]:
        text = opened(envelope, escrow, envelope["escrow"]) if envelope.get("escrow") else None
        print(json.dumps({"id": envelope["id"], "from": envelope["from"], "to": envelope["to"], "text": text}))


def main(args):
    fingerprint = None
    if "--fingerprint" in args:
        at = args.index("--fingerprint")
        fingerprint = args[at + 1]
        del args[at:at + 2]
    if args[:1] == ["join"] and len(args) == 4:
        join(args[1], args[2], args[3], fingerprint)
    elif args[:1] == ["send"] and len(args) == 4:
        send(args[1], args[2].split(","), args[3])
    elif args[:1] == ["read"] and len(args) == 2:
        read(args[1])
    elif args[:1] == ["leaked"] and len(args) == 2:
        leaked(args[1])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
