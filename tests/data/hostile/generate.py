#!/usr/bin/env python3
"""Writes the hostile corpus beside this script (tests/data/hostile/KIND/CASE).

The files are committed; this script records how each was made, so a case can be
regenerated or changed by editing one line. Keys come from `openssl genpkey` (the
16384-bit key takes minutes). The 100 MB files are not committed: the test makes
them (tests/it/hostile.rs), see README.md.

    python3 tests/data/hostile/generate.py
"""

import hashlib
import json
import os
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent

# One real envelope of a golden-key world (doormat simulate --seed 7), shortened: the
# corpus needs well-formed fields around the one that is wrong, not a message that opens.
NONCE = "0FRaZ8qBtQkCGh8i"
CT = "Vc58oQvNd8rxyjdABNzfTYYNnhrUQpVnRoEo4i0KpTVZyrih9/PF1l0MyA=="
WRAP = "A" * 342 + "=="  # base64 of 256 bytes: the size of an RSA-2048 wrap
ENVELOPE = {
    "v": 1,
    "id": "m000001",
    "t": 1,
    "from": "carol",
    "to": ["bob"],
    "scheme": "golden-key",
    "nonce": NONCE,
    "ct": CT,
    "wrapped": {"carol": WRAP, "bob": WRAP},
    "escrow": WRAP,
}


def envelope(**changes):
    e = dict(ENVELOPE)
    for key, value in changes.items():
        if value is None:
            e.pop(key, None)
        else:
            e[key] = value
    return json.dumps(e, separators=(",", ":"))


def write(kind, name, data):
    path = HERE / kind / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)


def deep_json(depth=10_000):
    return "[" * depth + "]" * depth


def capture():
    good = envelope()
    write("capture", "empty.jsonl", "")
    write("capture", "truncated.jsonl", good + "\n" + good[: len(good) // 2])
    write("capture", "not-utf8.jsonl", good.encode()[:40] + b"\xff\xfe" + good.encode()[40:] + b"\n")
    write("capture", "deeply-nested.jsonl", deep_json() + "\n")
    write("capture", "duplicate-id.jsonl", good + "\n" + envelope(t=2) + "\n")
    write("capture", "sender-is-a-path.jsonl", envelope(**{"from": "../../x"}) + "\n")
    write("capture", "recipient-is-a-path.jsonl", envelope(to=["../../x"]) + "\n")
    write("capture", "id-is-a-path.jsonl", envelope(id="../../x") + "\n")
    write("capture", "negative-time.jsonl", good.replace('"t":1', '"t":-1') + "\n")
    write("capture", "overflowing-time.jsonl", good.replace('"t":1', '"t":18446744073709551616') + "\n")
    write("capture", "huge-version.jsonl", good.replace('"v":1', '"v":1e999') + "\n")
    write("capture", "unknown-version.jsonl", envelope(v=2) + "\n")
    write("capture", "nonce-11-bytes.jsonl", envelope(nonce="A" * 15 + "=") + "\n")
    write("capture", "nonce-13-bytes.jsonl", envelope(nonce="A" * 18 + "==") + "\n")
    write("capture", "wrapped-key-16-bytes.jsonl", envelope(wrapped={"carol": WRAP, "bob": "A" * 22 + "=="}) + "\n")
    write("capture", "escrow-key-255-bytes.jsonl", envelope(escrow="A" * 340) + "\n")
    write("capture", "ciphertext-shorter-than-tag.jsonl", envelope(ct="AAAA") + "\n")
    write("capture", "not-base64.jsonl", envelope(nonce="!!!!!!!!!!!!!!!!") + "\n")


def world():
    good = {
        "v": 1,
        "scheme": "golden-key",
        "parameters": {"users": 3, "messages": 6, "key_bits": 2048, "session_size": 1},
        "parties": [
            {"name": n, "role": r, "public_key": f"keys/{n}.pub.pem",
             "fingerprint": "sha256:" + "ab" * 32}
            for n, r in [("alice", "user"), ("bob", "user"), ("carol", "user"), ("escrow", "escrow")]
        ],
    }

    def variant(edit):
        w = json.loads(json.dumps(good))
        edit(w)
        return json.dumps(w, indent=2)

    text = json.dumps(good, indent=2)
    write("world", "empty.json", "")
    write("world", "truncated.json", text[: len(text) // 2])
    write("world", "not-utf8.json", text.encode()[:30] + b"\xc3\x28" + text.encode()[30:])
    write("world", "deeply-nested.json", deep_json())
    write("world", "duplicate-party.json", variant(lambda w: w["parties"].append(dict(w["parties"][0]))))
    write("world", "party-name-is-a-path.json", variant(lambda w: w["parties"][0].update(name="../../x")))
    write("world", "public-key-outside-world.json",
          variant(lambda w: w["parties"][0].update(public_key="../../../../etc/passwd")))
    write("world", "public-key-absolute-path.json",
          variant(lambda w: w["parties"][0].update(public_key="/etc/passwd")))
    write("world", "negative-users.json", variant(lambda w: w["parameters"].update(users=-3)))
    write("world", "overflowing-messages.json",
          text.replace('"messages": 6', '"messages": 99999999999999999999999'))
    write("world", "key-bits-16384.json", variant(lambda w: w["parameters"].update(key_bits=16384)))
    write("world", "unknown-scheme.json", variant(lambda w: w.update(scheme="rot13")))
    write("world", "unknown-version.json", variant(lambda w: w.update(v=7)))
    many = json.loads(text)
    many["parties"] += [{"name": f"u{i}", "role": "user", "public_key": f"keys/u{i}.pub.pem",
                         "fingerprint": "sha256:" + "ab" * 32} for i in range(1100)]
    write("world", "1104-parties.json", json.dumps(many, separators=(",", ":")))


def keys():
    write("keys", "empty.pem", "")
    for name, args in [
        ("rsa-512.pem", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512"]),
        ("rsa-16384.pem", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:16384"]),
        ("ed25519.pem", ["-algorithm", "ed25519"]),
        ("x25519.pem", ["-algorithm", "x25519"]),
        ("ec-p256.pem", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
    ]:
        if not (HERE / "keys" / name).exists():
            subprocess.run(["openssl", "genpkey", *args, "-out", str(HERE / "keys" / name)],
                           check=True, stderr=subprocess.DEVNULL)
            os.chmod(HERE / "keys" / name, 0o644)
    rsa2048 = HERE / "keys" / "rsa-2048-public.pem"
    if not rsa2048.exists():
        private = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA"], check=True,
                                 capture_output=True).stdout
        public = subprocess.run(["openssl", "pkey", "-pubout"], input=private, check=True,
                                capture_output=True).stdout
        rsa2048.write_bytes(public)
        lines = private.decode().splitlines()
        write("keys", "truncated.pem", "\n".join(lines[: len(lines) // 2]) + "\n")
        write("keys", "base64-damaged.pem",
              "\n".join(lines[:3] + ["!!!!" + lines[3][4:]] + lines[4:]) + "\n")
        write("keys", "not-utf8.pem", "\n".join(lines[:2]).encode() + b"\n\xff\xfe\xfd\n" +
              "\n".join(lines[2:]).encode())
    write("keys", "no-pem-block.pem", "this is not a key\n")
    write("keys", "certificate-block.pem",
          "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n")


def share():
    good = {
        "v": 1,
        "kind": "doormat-share",
        "escrow_fingerprint": "sha256:" + "ab" * 32,
        "agent": 1,
        "agents": 5,
        "threshold": 3,
        "share": "AXk3rcRl" * 20,
    }
    text = json.dumps(good, indent=2)

    def variant(**changes):
        return json.dumps({**good, **changes}, indent=2)

    write("shares", "empty.share", "")
    write("shares", "truncated.share", text[: len(text) // 2])
    write("shares", "not-utf8.share", text.encode()[:20] + b"\x80" + text.encode()[20:])
    write("shares", "deeply-nested.share", deep_json())
    write("shares", "negative-agent.share", variant(agent=-1))
    write("shares", "agent-256.share", variant(agent=256))
    write("shares", "threshold-zero.share", variant(threshold=0))
    write("shares", "threshold-above-agents.share", variant(threshold=9))
    write("shares", "wrong-escrow.share", variant())
    write("shares", "share-not-base64.share", variant(share="%%%"))
    write("shares", "wrong-kind.share", variant(kind="doormat-device-snapshot"))


def unit_halves():
    good = {
        "v": 1,
        "kind": "doormat-unit-halves",
        "family_id": "232192e0bbb1f80b",
        "agent": 1,
        "units": [
            {"device": "alice", "unit_id": 2618483166,
             "half": "h7cerqiVIHIYDq2zTniev+2+ml0ENpZGTBXA41lSrDU="},
        ],
    }
    text = json.dumps(good, indent=2)

    def variant(edit):
        w = json.loads(text)
        edit(w)
        return json.dumps(w, indent=2)

    write("unit-halves", "empty.json", "")
    write("unit-halves", "truncated.json", text[: len(text) // 2])
    write("unit-halves", "deeply-nested.json", deep_json())
    write("unit-halves", "duplicate-device.json", variant(lambda w: w["units"].append(dict(w["units"][0]))))
    write("unit-halves", "device-is-a-path.json", variant(lambda w: w["units"][0].update(device="../x")))
    write("unit-halves", "half-16-bytes.json", variant(lambda w: w["units"][0].update(half="A" * 22 + "==")))
    write("unit-halves", "negative-unit-id.json", variant(lambda w: w["units"][0].update(unit_id=-5)))
    write("unit-halves", "overflowing-unit-id.json", variant(lambda w: w["units"][0].update(unit_id=2**40)))
    write("unit-halves", "1001-units.json",
          variant(lambda w: w.update(units=[dict(w["units"][0], device=f"d{i}") for i in range(1001)])))

    family = {"v": 1, "kind": "doormat-family-key", "family_id": "232192e0bbb1f80b",
              "key": "nYpAdq3hBo5E3uXepNqglsw1jmcQYqmrI3xU67QHb9g="}
    text = json.dumps(family, indent=2)
    write("family-key", "empty.key", "")
    write("family-key", "truncated.key", text[: len(text) // 2])
    write("family-key", "not-utf8.key", text.encode()[:10] + b"\xff" + text.encode()[10:])
    write("family-key", "deeply-nested.key", deep_json())
    write("family-key", "key-31-bytes.key", json.dumps({**family, "key": "A" * 42 + "=="}))
    write("family-key", "rsa-key-instead.key", (HERE / "keys" / "rsa-2048-public.pem").read_text())


def snapshots():
    good = {
        "v": 1,
        "kind": "doormat-device-snapshot",
        "scheme": "golden-key",
        "user": "alice",
        "t": 3,
        "identity_fingerprint": "sha256:" + "ab" * 32,
        "identity_key": "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
    }
    def sealed(snapshot):
        # The digest doormat checks: SHA-256 of the compact JSON with `digest` empty.
        snapshot = {**snapshot, "digest": ""}
        compact = json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False)
        snapshot["digest"] = "sha256:" + hashlib.sha256(compact.encode()).hexdigest()
        return snapshot

    text = json.dumps(sealed(good), indent=2)

    def variant(**changes):
        return json.dumps(sealed({**good, **changes}), indent=2)

    write("snapshots", "empty.json", "")
    write("snapshots", "truncated.json", text[: len(text) // 2])
    write("snapshots", "not-utf8.json", text.encode()[:25] + b"\xfe" + text.encode()[25:])
    write("snapshots", "deeply-nested.json", deep_json())
    write("snapshots", "user-is-a-path.json", variant(user="../../x"))
    write("snapshots", "negative-time.json", variant(t=-1))
    write("snapshots", "overflowing-time.json", text.replace('"t": 3', '"t": 1e400'))
    write("snapshots", "edited-without-digest.json", text.replace('"t": 3', '"t": 4'))
    write("snapshots", "identity-key-16384-bits.json",
          variant(identity_key=(HERE / "keys" / "rsa-16384.pem").read_text()))
    write("snapshots", "identity-key-ed25519.json",
          variant(identity_key=(HERE / "keys" / "ed25519.pem").read_text()))
    write("snapshots", "wrong-kind.json", variant(kind="doormat-share"))


SCENARIO = """name = "hostile"
summary = "A scenario file with one thing wrong."
sources = ["nowhere"]

[world]
users = ["alice", "bob"]
scheme = "golden-key"

[[act]]
title = "talk"
say = "They talk."
show = ["radius attacker"]

[[act.event]]
do = "send"
messages = 10
"""


def vault():
    good = {
        "v": 1,
        "device": "alice",
        "fingerprint": "sha256:" + "ab" * 32,
        "wrapped": WRAP,
        "nonce": NONCE,
        "sealed": CT,
    }
    text = json.dumps(good, indent=2)

    def variant(**changes):
        return json.dumps({**good, **changes}, indent=2)

    write("vault", "empty.json", "")
    write("vault", "truncated.json", text[: len(text) // 2])
    write("vault", "not-utf8.json", text.encode()[:12] + b"\xff" + text.encode()[12:])
    write("vault", "deeply-nested.json", deep_json())
    write("vault", "device-is-a-path.json", variant(device="../../x"))
    write("vault", "nonce-11-bytes.json", variant(nonce="A" * 15 + "="))
    write("vault", "wrapped-16-bytes.json", variant(wrapped="A" * 22 + "=="))
    write("vault", "negative-version.json", variant(v=-1))
    write("vault", "unknown-version.json", variant(v=2))


def scenarios():
    write("scenarios", "empty.toml", "")
    write("scenarios", "truncated.toml", SCENARIO[: len(SCENARIO) // 2])
    write("scenarios", "not-utf8.toml", SCENARIO.encode().replace(b"They", b"Th\xffey"))
    write("scenarios", "deeply-nested.toml", SCENARIO + "deep = " + "[" * 10_000 + "]" * 10_000 + "\n")
    write("scenarios", "duplicate-user.toml", SCENARIO.replace('["alice", "bob"]', '["alice", "bob", "alice"]'))
    write("scenarios", "user-is-a-path.toml", SCENARIO.replace('"bob"', '"../../x"'))
    write("scenarios", "negative-messages.toml", SCENARIO.replace("messages = 10", "messages = -10"))
    write("scenarios", "overflowing-messages.toml",
          SCENARIO.replace("messages = 10", "messages = 99999999999999999999999"))
    write("scenarios", "billions-of-messages.toml", SCENARIO.replace("messages = 10", "messages = 4000000000"))
    write("scenarios", "thousands-of-users.toml",
          SCENARIO.replace('["alice", "bob"]', json.dumps([f"u{i}" for i in range(5000)])))
    write("scenarios", "key-outside-demos.toml",
          SCENARIO + '\n[[act.event]]\ndo = "leak"\nkey = "../../../etc/passwd"\n')


def rosters():
    write("rosters", "empty.txt", "")
    write("rosters", "not-utf8.txt", b"ada\nb\xffb\ncy\n")
    write("rosters", "duplicate-name.txt", "ada\nbob\nada\n")
    write("rosters", "name-is-a-path.txt", "ada\n../../x\n")
    write("rosters", "absolute-path.txt", "ada\n/tmp/x\n")
    write("rosters", "dot-dot.txt", "ada\n..\n")
    write("rosters", "ten-thousand-students.txt", "".join(f"s{i}\n" for i in range(10_000)))


def submissions():
    write("submissions", "empty.csv", "")
    write("submissions", "header-only-wrong.csv", "name,flag\nstudent01,doormat{x}\n")
    write("submissions", "not-utf8.csv", b"student,answer\nstudent01,doormat{\xff}\n")
    write("submissions", "truncated.csv", 'student,answer\nstudent01,"doormat{')
    write("submissions", "duplicate-student.csv",
          "student,answer\nstudent01,doormat{a}\nstudent01,doormat{b}\n")
    write("submissions", "student-is-a-path.csv", "student,answer\n../../x,doormat{a}\n")
    write("submissions", "unknown-student.csv", "student,answer\nmallory,doormat{a}\n")


def grading():
    good = {
        "v": 1,
        "kind": "doormat-grading",
        "exercise": "leaked-golden-key",
        "class_id": "d3e139494861",
        "secret": "Rq1r47L2VwbN7+Nhmg4WUzMMR5A2+2VIGn5uoaRTbcg=",
        "students": ["student01", "student02"],
        "note": "keep this file from students: its secret makes every flag",
    }
    text = json.dumps(good, indent=2)

    def variant(**changes):
        return json.dumps({**good, **changes}, indent=2)

    write("grading", "empty.json", "")
    write("grading", "truncated.json", text[: len(text) // 2])
    write("grading", "not-utf8.json", text.encode()[:15] + b"\xff" + text.encode()[15:])
    write("grading", "deeply-nested.json", deep_json())
    write("grading", "duplicate-student.json", variant(students=["student01", "student01"]))
    write("grading", "student-is-a-path.json", variant(students=["../../x", "student01"]))
    write("grading", "secret-16-bytes.json", variant(secret="A" * 22 + "=="))
    write("grading", "unknown-exercise.json", variant(exercise="rot13"))
    write("grading", "negative-version.json", variant(v=-1))
    write("grading", "501-students.json", variant(students=[f"s{i}" for i in range(501)]))
    write("grading", "no-students.json", variant(students=[]))


if __name__ == "__main__":
    capture()
    world()
    keys()
    share()
    unit_halves()
    snapshots()
    vault()
    scenarios()
    rosters()
    submissions()
    grading()
