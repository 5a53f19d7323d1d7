import Foundation

/// What a screenshot looks like in numbers, from a small stdlib-only Python decoder
/// (8-bit RGB or RGBA, not interlaced: what Chromium writes).
public struct PNGProbe: Decodable, Sendable {
    public var width: Int
    public var height: Int
    /// Pixels that are not (nearly) white.
    public var inked: Int
    public var distinctColours: Int
    /// For each colour asked about (hex), how many pixels are within a small distance of it.
    public var matches: [String: Int]

    public var inkedShare: Double { Double(inked) / Double(max(1, width * height)) }

    /// Decodes the PNG at `path`, counting pixels near each of `colours` (`#rrggbb`).
    public static func probe(_ path: String, colours: [String], scratch: String) throws -> PNGProbe {
        let script = scratch + "/png_probe.py"
        try source.write(toFile: script, atomically: true, encoding: .utf8)
        let out = try runProcess("/usr/bin/env", ["python3", script, path] + colours, timeout: 300)
        return try JSONDecoder().decode(PNGProbe.self, from: out)
    }

    static let source = #"""
    import json, struct, sys, zlib
    from collections import Counter

    def decode(path):
        data = open(path, "rb").read()
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            raise SystemExit("not a PNG")
        pos, idat = 8, []
        while pos < len(data):
            (length,) = struct.unpack(">I", data[pos:pos + 4])
            kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
            pos += 12 + length
            if kind == b"IHDR":
                width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                idat.append(body)
            elif kind == b"IEND":
                break
        if depth != 8 or interlace != 0 or ctype not in (2, 6):
            raise SystemExit("unsupported PNG: depth %d, colour type %d, interlace %d" % (depth, ctype, interlace))
        bpp = 3 if ctype == 2 else 4
        raw = zlib.decompress(b"".join(idat))
        stride = width * bpp
        prev = bytearray(stride)
        rows, i = [], 0
        for _ in range(height):
            f = raw[i]
            line = bytearray(raw[i + 1:i + 1 + stride])
            i += 1 + stride
            if f == 1:
                for x in range(bpp, stride):
                    line[x] = (line[x] + line[x - bpp]) & 0xFF
            elif f == 2:
                for x in range(stride):
                    line[x] = (line[x] + prev[x]) & 0xFF
            elif f == 3:
                for x in range(stride):
                    left = line[x - bpp] if x >= bpp else 0
                    line[x] = (line[x] + ((left + prev[x]) >> 1)) & 0xFF
            elif f == 4:
                for x in range(stride):
                    a = line[x - bpp] if x >= bpp else 0
                    b = prev[x]
                    c = prev[x - bpp] if x >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    line[x] = (line[x] + pred) & 0xFF
            rows.append(bytes(line))
            prev = line
        return width, height, bpp, rows

    def main():
        path, wanted = sys.argv[1], sys.argv[2:]
        width, height, bpp, rows = decode(path)
        counts = Counter()
        for row in rows:
            for x in range(0, len(row), bpp):
                counts[row[x:x + 3]] += 1
        inked = sum(n for c, n in counts.items() if min(c) < 245)
        matches = {}
        for hexcolour in wanted:
            target = bytes.fromhex(hexcolour.lstrip("#"))
            matches[hexcolour] = sum(n for c, n in counts.items() if sum(abs(c[k] - target[k]) for k in range(3)) <= 9)
        print(json.dumps({"width": width, "height": height, "inked": inked, "distinctColours": len(counts), "matches": matches}))

    main()
    """#
}
