"""A small weekday × hour heat map as a PNG, with the standard library only (zlib + struct): no plotting library is
a runtime dependency, and 7 × 24 coloured cells with labels need none.

Rows are Monday…Sunday, columns the hours 00–23 UTC; darker is busier (the busiest cell is the darkest), a cell
without data is light grey. Labels use a 3 × 5 pixel font, drawn at twice its size.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

CELL = 22
SCALE = 2  # font pixels
LEFT = 4 * 4 * SCALE + 6  # room for "Mon"
TOP = 5 * SCALE + 8  # room for the hour labels
PAD = 6
Color = tuple[int, int, int]
WHITE: Color = (255, 255, 255)
INK: Color = (40, 40, 40)
EMPTY: Color = (225, 225, 225)
LOW: Color = (255, 245, 200)  # no traffic …
HIGH: Color = (180, 20, 30)  # … the busiest hour

_FONT = {  # 3 × 5, rows top to bottom, bits left to right
    "0": (7, 5, 5, 5, 7),
    "1": (2, 6, 2, 2, 7),
    "2": (7, 1, 7, 4, 7),
    "3": (7, 1, 7, 1, 7),
    "4": (5, 5, 7, 1, 1),
    "5": (7, 4, 7, 1, 7),
    "6": (7, 4, 7, 5, 7),
    "7": (7, 1, 1, 2, 2),
    "8": (7, 5, 7, 5, 7),
    "9": (7, 5, 7, 1, 7),
    "M": (5, 7, 7, 5, 5),
    "T": (7, 2, 2, 2, 2),
    "W": (5, 5, 7, 7, 5),
    "F": (7, 4, 6, 4, 4),
    "S": (7, 4, 7, 1, 7),
    "o": (0, 7, 5, 5, 7),
    "u": (0, 5, 5, 5, 7),
    "e": (7, 5, 7, 4, 7),
    "h": (4, 4, 7, 5, 5),
    "r": (0, 6, 5, 4, 4),
    "i": (2, 0, 2, 2, 2),
    "a": (0, 7, 1, 7, 7),
    "t": (4, 7, 4, 4, 3),
    "n": (0, 6, 5, 5, 5),
    "d": (1, 1, 7, 5, 7),
    " ": (0, 0, 0, 0, 0),
}
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _blend(share: float) -> Color:
    share = max(0.0, min(1.0, share))
    return (
        round(LOW[0] + (HIGH[0] - LOW[0]) * share),
        round(LOW[1] + (HIGH[1] - LOW[1]) * share),
        round(LOW[2] + (HIGH[2] - LOW[2]) * share),
    )


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = [[WHITE] * width for _ in range(height)]

    def rect(self, x: int, y: int, w: int, h: int, color: Color) -> None:
        for row in range(max(0, y), min(self.height, y + h)):
            line = self.pixels[row]
            for col in range(max(0, x), min(self.width, x + w)):
                line[col] = color

    def text(self, x: int, y: int, words: str) -> None:
        for k, char in enumerate(words):
            for row, bits in enumerate(_FONT.get(char, _FONT[" "])):
                for col in range(3):
                    if bits & (4 >> col):
                        self.rect(x + (k * 4 + col) * SCALE, y + row * SCALE, SCALE, SCALE, INK)

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(v for pixel in line for v in pixel) for line in self.pixels)

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)  # 8-bit RGB
        return (
            b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
        )


def heat_map_png(grid: Sequence[Sequence[float | None]]) -> bytes:
    """The PNG of a 7 × 24 grid of requests per hour (weekday × hour UTC)."""
    values = [v for row in grid for v in row if v is not None]
    top = max(values) if values else 0.0
    canvas = _Canvas(LEFT + 24 * CELL + PAD, TOP + 7 * CELL + PAD)
    for hour in range(0, 24, 3):
        canvas.text(LEFT + hour * CELL + 2, 4, f"{hour:02d}")
    for day, row in enumerate(grid):
        y = TOP + day * CELL
        canvas.text(4, y + (CELL - 5 * SCALE) // 2, DAYS[day])
        for hour, value in enumerate(row):
            color = EMPTY if value is None else _blend(value / top if top > 0 else 0.0)
            canvas.rect(LEFT + hour * CELL + 1, y + 1, CELL - 2, CELL - 2, color)
    return canvas.png()
