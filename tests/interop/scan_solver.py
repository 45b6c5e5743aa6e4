"""Solves doormat's client-scan exercises the way a student would: with Meta's
reference PDQ for Python (`pdqhash`, numpy) and Python's `cryptography`, from the
bundle's files and docs/wire-format.md alone. Prints the answer.

    python3 scan_solver.py poisoned-list BUNDLE    # prints doormat{name,name}
    python3 scan_solver.py evade-list BUNDLE       # writes BUNDLE/evaded.png, prints its path
"""

import base64
import json
import os
import struct
import sys
import zlib

import numpy as np
import pdqhash
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdq_reference import read_png  # noqa: E402  (zlib-only PNG reader)

THRESHOLD = 31


def hex_of(bits):
    text = "".join(str(int(b)) for b in bits)
    return "".join(f"{int(text[i:i + 4], 2):x}" for i in range(0, 256, 4))


def distance(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def write_png(path, rgb):
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def poisoned_list(bundle):
    poster = hex_of(pdqhash.compute(read_png(os.path.join(bundle, "poster.png")))[0])
    entries = json.load(open(os.path.join(bundle, "scan-list.json")))["entries"]
    matching = [e["id"] for e in entries if distance(e["hash"], poster) <= THRESHOLD]
    if not matching:
        raise SystemExit("no list entry matches the poster")
    key = serialization.load_pem_private_key(
        open(os.path.join(bundle, "leaks/provider.pem"), "rb").read(), password=None
    )
    senders = set()
    for line in open(os.path.join(bundle, "reports.jsonl")):
        report = json.loads(line)
        if report["entry"] not in matching:
            continue
        # Open the voucher, as the provider can: it must be a copy of the poster.
        voucher = report["voucher"]
        content_key = key.decrypt(
            base64.b64decode(voucher["wrapped"]),
            padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
        )
        aad = f"doormat/voucher\n{report['id']}\n{report['sender']}\n{report['entry']}".encode()
        png = AESGCM(content_key).decrypt(base64.b64decode(voucher["nonce"]), base64.b64decode(voucher["ct"]), aad)
        opened = os.path.join(bundle, "voucher.png")
        open(opened, "wb").write(png)
        if distance(hex_of(pdqhash.compute(read_png(opened))[0]), poster) > THRESHOLD:
            raise SystemExit(f"{report['id']}: its voucher is not the poster")
        senders.add(report["sender"])
    print("doormat{" + ",".join(sorted(senders)) + "}")


def evade_list(bundle):
    image = read_png(os.path.join(bundle, "picture.png"))
    height, width, _ = image.shape
    original = hex_of(pdqhash.compute(image)[0])
    # compute_float lists the coefficients bit 255 first, as compute lists the bits.
    coefficients = np.array(pdqhash.compute_float(image)[0], dtype=np.float64)[::-1]
    median = np.sort(coefficients)[127:129].mean()
    order = np.argsort(np.abs(coefficients - median))
    above = [k for k in order if coefficients[k] > median][:22]
    below = [k for k in order if coefficients[k] <= median][:22]
    ys = (2 * np.arange(height) + 1) / (2 * height)
    xs = (2 * np.arange(width) + 1) / (2 * width)
    for scale in [1.2, 1.6, 2.2, 3.0, 4.0, 6.0]:
        delta = np.zeros((height, width))
        for k in above + below:
            u, v = divmod(int(k), 16)
            pattern = np.outer(np.cos(np.pi * (u + 1) * ys), np.cos(np.pi * (v + 1) * xs))
            # A cosine of amplitude a moves its coefficient by about 32 a.
            amount = scale * (abs(coefficients[k] - median) + 2.0) / 32.0
            delta += (-amount if k in above else amount) * pattern
        made = np.clip(np.rint(image.astype(np.float64) + delta[:, :, None]), 0, 255).astype(np.uint8)
        mse = np.mean((made.astype(np.float64) - image.astype(np.float64)) ** 2)
        psnr = 10 * np.log10(255 * 255 / mse) if mse > 0 else float("inf")
        moved = distance(hex_of(pdqhash.compute(made)[0]), original)
        if moved > THRESHOLD and psnr >= 30:
            path = os.path.join(bundle, "evaded.png")
            write_png(path, made)
            print(path)
            return
    raise SystemExit("no evasion found")


if __name__ == "__main__":
    kind, bundle = sys.argv[1], sys.argv[2]
    {"poisoned-list": poisoned_list, "evade-list": evade_list}[kind](bundle)
