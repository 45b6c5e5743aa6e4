"""Meta's reference PDQ, through the `pdqhash` package (Cython bindings to the C++ in
ThreatExchange), over PNG files: one JSON line per file, {"file", "hash", "quality"},
the hash in the reference's own hex form (Hash256::format: bits 255..0).

The PNGs are read here with zlib alone (8-bit RGB, not interlaced: what doormat
writes), so that nothing else stands between the file and the reference.

    python3 pdq_reference.py a.png b.png ...
"""

import json
import struct
import sys
import zlib

import numpy as np
import pdqhash


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour != 2 or interlace != 0:
        raise SystemExit(f"{path}: only 8-bit RGB, non-interlaced PNGs are read here")
    raw = zlib.decompress(idat)
    stride = width * 3
    out = bytearray()
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = raw[start + 1 : start + 1 + stride]
        if kind == 0:
            row = bytearray(line)
        elif kind == 2:
            row = bytearray((a + b) & 255 for a, b in zip(line, previous))
        elif kind in (1, 3, 4):
            # Sub, Average and Paeth depend on the pixel to the left: byte by byte.
            row = bytearray(stride)
            for i in range(stride):
                left = row[i - 3] if i >= 3 else 0
                up = previous[i]
                if kind == 1:
                    predictor = left
                elif kind == 3:
                    predictor = (left + up) >> 1
                else:
                    up_left = previous[i - 3] if i >= 3 else 0
                    p = left + up - up_left
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                    predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
                row[i] = (line[i] + predictor) & 255
        else:
            raise SystemExit(f"{path}: filter type {kind} on row {y}")
        out += row
        previous = row
    return np.frombuffer(bytes(out), dtype=np.uint8).reshape(height, width, 3)


def main():
    for path in sys.argv[1:]:
        bits, quality = pdqhash.compute(read_png(path))
        # compute() returns bit 255 first, as the hex form reads.
        text = "".join(str(int(b)) for b in bits)
        digits = "".join(f"{int(text[i : i + 4], 2):x}" for i in range(0, 256, 4))
        print(json.dumps({"file": path, "hash": digits, "quality": int(quality)}))


if __name__ == "__main__":
    main()
