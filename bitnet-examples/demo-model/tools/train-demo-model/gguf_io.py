"""A small GGUF v3 writer and reader (little-endian), enough for the demo model.

The writer lays tensors out as bitnet-format.md section 2 describes: 32-byte alignment, each tensor
padded to the alignment, 2-D shapes written in ne order [in, out]. I2_S (type 36) packing follows
section 3.1.3: codes t+1, blocks of 128 values into 32 bytes (byte j holds values j, 32+j, 64+j,
96+j from the most significant bits down), then the f32 scale and 28 zero bytes.
"""
import struct

import numpy as np

F32, F16, I2_S = 0, 1, 36
ALIGN = 32

_U8, _I8, _U16, _I16, _U32, _I32, _FLOAT32, _BOOL, _STRING, _ARRAY, _U64, _I64, _F64 = range(13)


def pack_i2s(ternary: np.ndarray, scale: float) -> bytes:
    """Pack a [out, in] matrix of {-1,0,1} with one f32 scale into I2_S bytes."""
    flat = ternary.astype(np.int8).reshape(-1)
    if flat.size % 128:
        raise ValueError(f"I2_S needs a multiple of 128 values, got {flat.size}")
    if np.any(np.abs(flat) > 1):
        raise ValueError("I2_S input is not ternary")
    codes = (flat + 1).astype(np.uint8).reshape(-1, 4, 32)
    packed = (codes[:, 0] << 6) | (codes[:, 1] << 4) | (codes[:, 2] << 2) | codes[:, 3]
    return packed.astype(np.uint8).tobytes() + struct.pack("<f", scale) + bytes(28)


def unpack_i2s(data: bytes, n: int) -> tuple[np.ndarray, float]:
    """Inverse of pack_i2s: (flat ternary values as int8, scale)."""
    packed = np.frombuffer(data, dtype=np.uint8, count=n // 4).reshape(-1, 32)
    codes = np.stack([(packed >> 6) & 3, (packed >> 4) & 3, (packed >> 2) & 3, packed & 3], axis=1)
    if np.any(codes == 3):
        raise ValueError("I2_S code 3 is unused and must not appear")
    (scale,) = struct.unpack_from("<f", data, n // 4)
    return codes.reshape(-1).astype(np.int8) - 1, scale


def _string(s: str) -> bytes:
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


class Writer:
    """Collects metadata and tensors, then writes one GGUF file."""

    def __init__(self):
        self.kv: list[bytes] = []
        self.tensors: list[tuple[str, tuple[int, ...], int, bytes]] = []

    def u32(self, key: str, v: int):
        self.kv.append(_string(key) + struct.pack("<II", _U32, v))

    def f32(self, key: str, v: float):
        self.kv.append(_string(key) + struct.pack("<If", _FLOAT32, v))

    def bool(self, key: str, v: bool):
        self.kv.append(_string(key) + struct.pack("<IB", _BOOL, 1 if v else 0))

    def string(self, key: str, v: str):
        self.kv.append(_string(key) + struct.pack("<I", _STRING) + _string(v))

    def strings(self, key: str, vs: list[str]):
        self.kv.append(_string(key) + struct.pack("<IIQ", _ARRAY, _STRING, len(vs)) + b"".join(map(_string, vs)))

    def i32s(self, key: str, vs: list[int]):
        self.kv.append(_string(key) + struct.pack("<IIQ", _ARRAY, _I32, len(vs)) + struct.pack(f"<{len(vs)}i", *vs))

    def tensor(self, name: str, ne: tuple[int, ...], ggml_type: int, data: bytes):
        self.tensors.append((name, ne, ggml_type, data))

    def write(self, path: str):
        infos, blobs, offset = [], [], 0
        for name, ne, ggml_type, data in self.tensors:
            infos.append(_string(name) + struct.pack("<I", len(ne)) + struct.pack(f"<{len(ne)}Q", *ne)
                         + struct.pack("<IQ", ggml_type, offset))
            pad = -len(data) % ALIGN
            blobs.append(data + bytes(pad))
            offset += len(data) + pad
        head = (struct.pack("<IIQQ", 0x46554747, 3, len(self.tensors), len(self.kv))
                + b"".join(self.kv) + b"".join(infos))
        head += bytes(-len(head) % ALIGN)
        with open(path, "wb") as f:
            f.write(head)
            for b in blobs:
                f.write(b)


def read(path: str) -> tuple[dict, dict[str, tuple[tuple[int, ...], int, bytes]]]:
    """Read a GGUF file: (metadata dict, {name: (ne, type, raw bytes)})."""
    with open(path, "rb") as f:
        buf = f.read()
    pos = 0

    def take(fmt):
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]

    def text():
        nonlocal pos
        n = take("Q")
        s = buf[pos:pos + n].decode("utf-8")
        pos += n
        return s

    scalar = {_U8: "B", _I8: "b", _U16: "H", _I16: "h", _U32: "I", _I32: "i", _FLOAT32: "f", _BOOL: "?",
              _U64: "Q", _I64: "q", _F64: "d"}

    def value(t):
        if t == _STRING:
            return text()
        if t == _ARRAY:
            et, n = take("I"), take("Q")
            return [value(et) for _ in range(n)]
        return take(scalar[t])

    magic, version, n_tensors, n_kv = take("IIQQ")
    if magic != 0x46554747 or version != 3:
        raise ValueError(f"{path}: not a GGUF v3 file")
    meta = {}
    for _ in range(n_kv):
        key = text()
        meta[key] = value(take("I"))
    infos = []
    for _ in range(n_tensors):
        name = text()
        nd = take("I")
        ne = tuple(take("Q") for _ in range(nd))
        infos.append((name, ne, take("I"), take("Q")))
    align = meta.get("general.alignment", ALIGN)
    data_start = pos + (-pos % align)
    tensors = {}
    for name, ne, ggml_type, offset in infos:
        n = int(np.prod(ne))
        size = {F32: 4 * n, F16: 2 * n, I2_S: n // 4 + 32}[ggml_type]
        start = data_start + offset
        tensors[name] = (ne, ggml_type, buf[start:start + size])
    return meta, tensors
