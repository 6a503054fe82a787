#!/usr/bin/env python3
"""
Fake swtpm control/data server for client tests: records every request
byte it receives (hex, one request per line) and answers with canned,
configurable responses. Serves one connection after another until killed.
"""
import os
import socket
import struct
import sys
import argparse

# Request body sizes the fake server frames by (code -> fixed body bytes).
FIXED = {1: 0, 2: 4, 3: 0, 4: 0, 5: 1, 6: 0, 8: 0, 9: 0, 10: 0, 11: 1,
         12: 12, 14: 0, 15: 0, 16: 0, 17: 4, 18: 16, 19: 4}


def recv_exact(conn, n):
    buf = b''
    while len(buf) < n:
        b = conn.recv(n - len(buf))
        if not b:
            return None
        buf += b
    return buf


def default_resp(code, req, args):
    res = struct.pack('>I', args.result)
    if code == 1:
        return res + struct.pack('>I', args.caps)
    if code == 4:
        return res + bytes([1, 0, 0, 0])
    if code == 15:
        return res + struct.pack('>I', 3)
    if code == 17:
        return res + struct.pack('>III', 3000, 2808, 4096)
    if code == 12:
        blob = bytes(range(256)) * (args.blobsize // 256) + \
            bytes(args.blobsize % 256)
        off = struct.unpack('>I', req[12:16])[0]
        rest = blob[off:]
        return res + struct.pack('>III', 0, len(rest), len(rest)) + rest
    if code == 18:
        s = (args.info or '{"TPMSpecification":{"family":"2.0"}}').encode() + b'\0'
        off = struct.unpack('>I', req[12:16])[0]
        if off >= len(s) - 1:
            return struct.pack('>I', 3)
        chunk = s[off:off + args.infochunk]
        return res + struct.pack('>II', len(s), len(chunk)) + chunk
    return res


def serve_ctrl(conn, args, log):
    while True:
        hdr = recv_exact(conn, 4)
        if hdr is None:
            return
        code = struct.unpack('>I', hdr)[0]
        if code == 7:
            lb = recv_exact(conn, 4)
            n = struct.unpack('>I', lb)[0]
            req = hdr + lb + (recv_exact(conn, n) or b'')
        elif code == 13:
            h = recv_exact(conn, 12)
            n = struct.unpack('>I', h[8:12])[0]
            req = hdr + h + (recv_exact(conn, n) or b'')
        else:
            req = hdr + (recv_exact(conn, FIXED.get(code, 0)) or b'')
        log.write(req.hex() + '\n')
        log.flush()
        if args.raw is not None:
            rsp = bytes.fromhex(args.raw)
        else:
            rsp = default_resp(code, req, args)
        if args.trunc is not None:
            rsp = rsp[:args.trunc]
        if args.noreply:
            continue
        conn.sendall(rsp)
        if args.trunc is not None:
            return      # a short answer, then the server goes away


def serve_data(conn, args, log):
    # TPM data channel: one command per connection is what swtpm_bios does
    hdr = recv_exact(conn, 10)
    if hdr is None:
        return
    size = struct.unpack('>I', hdr[2:6])[0]
    rest = recv_exact(conn, size - 10) if size > 10 else b''
    req = hdr + (rest or b'')
    log.write(req.hex() + '\n')
    log.flush()
    if args.raw is not None:
        rsp = bytes.fromhex(args.raw)
    else:
        tag = 0x8001 if hdr[0:2] == b'\x80\x01' or hdr[0:2] == b'\x80\x02' \
            else 0x00c4
        rsp = struct.pack('>HII', tag, 10, args.result)
    if args.trunc is not None:
        rsp = rsp[:args.trunc]
    conn.sendall(rsp)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--unix')
    p.add_argument('--tcp', type=int)
    p.add_argument('--log', required=True)
    p.add_argument('--ready', required=True)
    p.add_argument('--data', action='store_true')
    p.add_argument('--result', type=lambda x: int(x, 0), default=0)
    p.add_argument('--caps', type=lambda x: int(x, 0), default=0xffff)
    p.add_argument('--raw')
    p.add_argument('--trunc', type=int)
    p.add_argument('--noreply', action='store_true')
    p.add_argument('--blobsize', type=int, default=5000)
    p.add_argument('--info')
    p.add_argument('--infochunk', type=int, default=3072)
    args = p.parse_args()

    if args.unix:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(args.unix)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('127.0.0.1', args.tcp))
    s.listen(4)
    with open(args.ready, 'w') as f:
        f.write(str(os.getpid()))
    log = open(args.log, 'a')
    while True:
        conn, _ = s.accept()
        try:
            if args.data:
                serve_data(conn, args, log)
            else:
                serve_ctrl(conn, args, log)
        except (ConnectionError, OSError):
            pass
        conn.close()
        log.write('--\n')
        log.flush()


if __name__ == '__main__':
    main()
