"""Z85 (ZeroMQ RFC 32), the text form of CURVE keys (pyzmq's ``zmq.utils.z85``): every 4
bytes become 5 printable characters."""

from __future__ import annotations

#: The 85 characters of Z85, in value order.
Z85CHARS = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
#: Character code → value.
Z85MAP = {char: value for value, char in enumerate(Z85CHARS)}


def encode(rawbytes: bytes) -> bytes:
    """Z85 text of ``rawbytes`` (a length that is a multiple of 4)."""
    if len(rawbytes) % 4:
        raise ValueError(f"length must be multiple of 4, not {len(rawbytes)}")
    out = bytearray()
    for i in range(0, len(rawbytes), 4):
        value = int.from_bytes(rawbytes[i : i + 4], "big")
        chunk = bytearray(5)
        for j in range(4, -1, -1):
            value, chunk[j] = divmod(value, 85)
            chunk[j] = Z85CHARS[chunk[j]]
        out += chunk
    return bytes(out)


def decode(z85bytes: bytes | str) -> bytes:
    """The bytes of the Z85 text ``z85bytes`` (a length that is a multiple of 5)."""
    if isinstance(z85bytes, str):
        z85bytes = z85bytes.encode("ascii")
    if len(z85bytes) % 5:
        raise ValueError(f"Z85 length must be multiple of 5, not {len(z85bytes)}")
    out = bytearray()
    for i in range(0, len(z85bytes), 5):
        value = 0
        for char in z85bytes[i : i + 5]:
            value = value * 85 + Z85MAP[char]
        out += value.to_bytes(4, "big")
    return bytes(out)


__all__ = ["encode", "decode", "Z85CHARS", "Z85MAP"]
