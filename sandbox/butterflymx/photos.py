"""The intercom's camera stills: a plain PNG of a visitor's silhouette, drawn from 32 hex digits.

ButterflyMX serves each photo at a public, unsigned /uploads/store/<hex>.png; the sandbox keeps
only the hex on the row and draws the same picture for it every time.
"""

import hashlib
import re
import secrets
import struct
import zlib
from functools import lru_cache

WIDTH, HEIGHT = 320, 240
PHOTO_ID = re.compile(r"^[0-9a-f]{32}$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def photo_new() -> str:
    return secrets.token_hex(16)


def photo_for_seed(seed_key: str) -> str:
    """The photo of a seeded row: the same hex on every seed."""
    return hashlib.sha256(f"foyer-sandbox-photo:{seed_key}".encode()).hexdigest()[:32]


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_encode(width: int, height: int, rows: list[bytes]) -> bytes:
    """An 8-bit RGB PNG of the given rows (each width * 3 bytes), unfiltered."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


def _span(center: float, half_width: float) -> tuple[int, int]:
    return max(0, round(center - half_width)), min(WIDTH, round(center + half_width))


@lru_cache(maxsize=256)
def photo_png(photo: str) -> bytes:
    """The still for a photo id: a wall of one colour and a head and shoulders against it."""
    seed = bytes.fromhex(photo)
    # A muted wall and a darker figure, as a door camera's dim picture.
    wall = bytes(70 + value % 110 for value in seed[0:3])
    figure = bytes(20 + value % 50 for value in seed[3:6])
    center = WIDTH / 2 + (seed[6] % 61) - 30
    head_radius = 34 + seed[7] % 12
    head_y = 88 + seed[8] % 20
    shoulders_top = head_y + head_radius + 6
    shoulders_half = 90 + seed[9] % 30
    rows = []
    for y in range(HEIGHT):
        spans = []
        if abs(y - head_y) <= head_radius:
            spans.append(_span(center, (head_radius**2 - (y - head_y) ** 2) ** 0.5 * 0.85))
        if y >= shoulders_top:
            # The upper half of an ellipse whose centre is the bottom of the picture.
            depth = HEIGHT - shoulders_top
            rise = (HEIGHT - y) / depth
            spans.append(_span(center, shoulders_half * max(0.0, 1 - rise**2) ** 0.5))
        row = bytearray(wall * WIDTH)
        for start, end in spans:
            row[start * 3 : end * 3] = figure * (end - start)
        rows.append(bytes(row))
    return png_encode(WIDTH, HEIGHT, rows)
