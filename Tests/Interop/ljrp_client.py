#!/usr/bin/env python3
"""A Lianjie client in another language, written from Proto/PROTOCOL.md and the .proto
files alone: plain Python 3, no protobuf library. The end-to-end tests run it against a
real lianjied to prove the document is enough.

    ljrp_client.py HOST PORT USERNAME PASSWORD

Runs a scripted session (health, login, whoami, the promised errors) and prints one JSON
object of results; exits 0 when every check held, 1 otherwise.
"""
import json
import socket
import struct
import sys

KINDS = {1: "CALL", 2: "REPLY", 3: "CANCEL", 4: "PING", 5: "PONG", 6: "GOAWAY"}


# --- protobuf wire format, just what these messages need -----------------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value) if value else b""


def field_bytes(number, value):
    if isinstance(value, str):
        value = value.encode()
    return varint(number << 3 | 2) + varint(len(value)) + value if value else b""


def parse(data):
    """Returns {field number: [values]}; varints as int, length-delimited as bytes."""
    fields, i = {}, 0
    while i < len(data):
        key, i = read_varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = read_varint(data, i)
        elif wire == 2:
            length, i = read_varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wire)
        fields.setdefault(number, []).append(value)
    return fields


def read_varint(data, i):
    shift = result = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def first(fields, number, default):
    return fields.get(number, [default])[0]


# --- LJRP/1 framing ----------------------------------------------------------------

def frame(kind, meta, body=b""):
    return b"LJRP" + bytes([1, kind, 0, 0]) + struct.pack(">II", len(meta), len(body)) + meta + body


class Connection:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.next_id = 1
        self.buffer = b""

    def read_exact(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_frame(self):
        header = self.read_exact(16)
        assert header[:4] == b"LJRP" and header[4] == 1, header
        meta_len, body_len = struct.unpack(">II", header[8:16])
        return header[5], self.read_exact(meta_len), self.read_exact(body_len)

    def call(self, method, body=b"", token=None, timeout_ms=0):
        call_id = self.next_id
        self.next_id += 1
        metadata = b""
        if token:
            metadata = field_bytes(4, field_bytes(1, "authorization") + field_bytes(2, "Bearer " + token))
        meta = field_varint(1, call_id) + field_bytes(2, method) + field_varint(3, timeout_ms) + metadata
        self.sock.sendall(frame(1, meta, body))
        kind, meta, body = self.read_frame()
        assert KINDS[kind] == "REPLY", KINDS[kind]
        reply = parse(meta)
        assert first(reply, 1, 0) == call_id
        status = first(reply, 2, 0)
        message = first(reply, 3, b"").decode()
        violations = [parse(v) for v in reply.get(4, [])]
        return status, message, [first(v, 1, b"").decode() for v in violations], body


# --- the scripted session -------------------------------------------------------------

def main():
    host, port, username, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    results = {}
    c = Connection(host, port)

    status, _, _, body = c.call("/lianjie.v1.Health/Check", timeout_ms=1000)
    results["health"] = (status, first(parse(body), 1, 0))  # expect (0, 1 = SERVING)

    status, _, _, body = c.call("/lianjie.v1.UserService/Login",
                                field_bytes(1, username) + field_bytes(2, password))
    login = parse(body)
    token = first(login, 1, b"").decode()
    results["login"] = (status, len(token), first(login, 2, 0) > 0)  # expect (0, 43, True)

    status, _, _, body = c.call("/lianjie.v1.UserService/WhoAmI", token=token)
    account = parse(first(parse(body), 1, b""))
    results["whoami"] = (status, first(account, 2, b"").decode())  # expect (0, username)

    results["no_token"] = c.call("/lianjie.v1.UserService/WhoAmI")[0]  # 16
    results["wrong_password"] = c.call("/lianjie.v1.UserService/Login",
                                       field_bytes(1, username) + field_bytes(2, "wrong-" + password))[0]  # 16
    status, _, fields, _ = c.call("/lianjie.v1.UserService/Login")
    results["empty_login"] = (status, fields)  # (3, ["username", "password"])
    results["unknown_method"] = c.call("/lianjie.v1.Nope/X")[0]  # 12
    results["bad_body"] = c.call("/lianjie.v1.UserService/Login", b"\xff\xff\xff")[0]  # 3

    # A body over the 4 MiB limit: refused for that call, and the connection goes on.
    results["oversized"] = c.call("/lianjie.v1.UserService/Login", b"\x0a" * (4 * 1024 * 1024 + 1))[0]  # 8
    results["after_oversized"] = c.call("/lianjie.v1.Health/Check")[0]  # 0

    c.sock.sendall(frame(4, field_varint(1, 424242)))
    kind, meta, _ = c.read_frame()
    results["ping"] = (KINDS[kind], first(parse(meta), 1, 0))  # ("PONG", 424242)

    status, _, _, _ = c.call("/lianjie.v1.UserService/Logout", token=token)
    results["logout"] = status
    results["after_logout"] = c.call("/lianjie.v1.UserService/WhoAmI", token=token)[0]  # 16

    bad = Connection(host, port)
    bad.sock.sendall(b"XJRP" + bytes(12))
    kind, meta, _ = bad.read_frame()
    goaway = parse(meta)
    results["protocol_error"] = (KINDS[kind], first(goaway, 2, 0))  # ("GOAWAY", 3)

    expected = {
        "health": (0, 1), "login": (0, 43, True), "whoami": (0, username), "no_token": 16,
        "wrong_password": 16, "empty_login": (3, ["username", "password"]), "unknown_method": 12,
        "bad_body": 3, "oversized": 8, "after_oversized": 0, "ping": ("PONG", 424242), "logout": 0, "after_logout": 16,
        "protocol_error": ("GOAWAY", 3),
    }
    failed = {k: {"expected": v, "got": results.get(k)} for k, v in expected.items() if results.get(k) != v}
    print(json.dumps({"checks": len(expected), "failed": failed}, default=list))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
