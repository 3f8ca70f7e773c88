"""Writes the seed corpus (corpus/TARGET/NAME) by hand, byte for byte: a few valid frames of each kind
and the hostile shapes worth starting from (a 5,000-level tree, a deflate bomb, huge length prefixes).
Run from fuzz/: python3 make_seeds.py"""
import os
import zlib

VERSION, SNAPSHOT, DELTA, CONTROL, ASSET, SNAPSHOT_PART = 3, 1, 2, 3, 4, 5
MARK = b"\xc0NXT"  # the inflate target's separator between frames


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def string(s):
    data = s.encode()
    return varint(len(data)) + data


def element(node_id, tag, children):
    """A Node of kind Element (Html namespace, no attributes, no form state, no extras)."""
    body = b"".join(children)
    return varint(node_id) + b"\x01" + string(tag) + b"\x00\x00\x00" + varint(len(children)) + body + b"\x00"


def text(node_id, value):
    return varint(node_id) + b"\x02\x00" + string(value)


def snapshot(children):
    return string("https://shop.example/") + varint(1280) + varint(720) + b"\x00\x00" + varint(len(children)) + b"".join(children) + b"\x00"


def nested(levels):
    head = varint(7) + b"\x01" + string("div") + b"\x00\x00\x00\x01"
    return snapshot_prefix() + head * levels + text(8, "") + b"\x00" * levels + b"\x00"


def snapshot_prefix():
    return string("") + b"\x00\x00\x00\x00\x01"


def deflate_stream():
    """A raw deflate stream whose messages end with a sync flush, as the protocol's are."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return lambda data: compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def frame(kind, payload):
    return bytes([VERSION, kind]) + payload


page = snapshot([element(2, "html", [element(3, "body", [text(4, "Hello")])])])
text_delta = b"\x01" + b"\x02" + varint(4) + b"\x00" + string("Hello, world")  # one Event::Text
deflate = deflate_stream()
page_payload, delta_payload = deflate(page), deflate(text_delta)
deep_payload = deflate_stream()(nested(5000))
bomb_payload = deflate_stream()(bytes(1 << 20))

join = b"\x05" + string("Ana") + string("password") + string("123456")
started = b"\x00" + string("123456") + b"\x01" + string(".secret") + b"\x00\x00\x00\x01" + string("f" * 64) + varint(2)
draw = b"\x13" + varint(1) + b"\x01" + varint(2) + b"\x02\x04\x06\x08"
huge_draw = b"\x13\x01\x01" + b"\xff\xff\xff\xff\x0f" + b"\x02\x04"
pointer = b"\x11" + varint(0) + b"\x01\x02\x04"
asset = string("blob:https://shop.example/1") + string("image/png") + varint(3) + b"\x00\xff\x07"

seeds = {
    "frame": {
        "snapshot": frame(SNAPSHOT, page_payload),
        "delta-without-context": frame(DELTA, delta_payload),
        "snapshot-part-without-context": frame(SNAPSHOT_PART, delta_payload),
        "join": frame(CONTROL, join),
        "session-started": frame(CONTROL, started),
        "asset": frame(ASSET, asset),
        "deep-snapshot": frame(SNAPSHOT, deep_payload),
        "bomb-1mib": frame(SNAPSHOT, bomb_payload),
        "wrong-version": bytes([9, 1, 0]),
    },
    "control": {
        "join": join,
        "session-started": started,
        "draw": draw,
        "draw-claims-4g-points": huge_draw,
        "pointer": pointer,
        "end-session": b"\x04",
    },
    "inflate": {
        "snapshot-then-delta": page_payload + MARK + delta_payload,
        "deep-snapshot": deep_payload,
        "bomb-1mib": bomb_payload,
    },
}

for target, files in seeds.items():
    os.makedirs(f"corpus/{target}", exist_ok=True)
    for name, data in files.items():
        with open(f"corpus/{target}/{name}", "wb") as out:
            out.write(data)
