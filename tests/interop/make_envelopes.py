"""Writes envelopes for a doormat world with Python `cryptography` alone, following
docs/wire-format.md and no doormat code: the other half of the interop test.

usage: make_envelopes.py WORLD SENDER RECIPIENT OUT.jsonl

Writes four envelopes: one per-message-keyed, then a session of three (the first
carrying the wrapped keys, the later two only the session id). Every envelope is
wrapped for SENDER and RECIPIENT, and for the escrow key if the world has one.
"""
import base64, json, os, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

world_dir, sender, recipient, out_path = sys.argv[1:5]
world = json.load(open(os.path.join(world_dir, "world.json")))
parties = {p["name"]: p for p in world["parties"]}
oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def public_key(name):
    path = os.path.join(world_dir, parties[name]["public_key"])
    return serialization.load_pem_public_key(open(path, "rb").read())


def b64(data):
    return base64.b64encode(data).decode()


def envelope(msg_id, t, text, key, carries_key, session=None):
    to = [recipient]
    aad = "doormat/1\n" + msg_id + "\n" + sender + "\n" + ",".join(to)
    nonce = os.urandom(12)
    e = {"v": 1, "id": msg_id, "t": t, "from": sender, "to": to, "scheme": world["scheme"]}
    if session:
        e["session"] = session
    e["nonce"] = b64(nonce)
    e["ct"] = b64(AESGCM(key).encrypt(nonce, text.encode(), aad.encode()))
    if carries_key:
        e["wrapped"] = {n: b64(public_key(n).encrypt(key, oaep)) for n in [sender] + to}
        if "escrow" in parties:
            e["escrow"] = b64(public_key("escrow").encrypt(key, oaep))
    return e


with open(out_path, "w") as out:
    single = envelope("py000001", 9001, "written by Python, per-message key", os.urandom(32), True)
    out.write(json.dumps(single) + "\n")
    session_key = os.urandom(32)
    for i in range(3):
        text = f"written by Python, session message {i + 1}"
        e = envelope(f"py00000{i + 2}", 9002 + i, text, session_key, i == 0, session="pys01")
        out.write(json.dumps(e) + "\n")
