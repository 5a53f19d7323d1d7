// libFuzzer target for LianjieWire's FrameDecoder. Built by Tests/Fuzz/run.sh with
// `swiftc -sanitize=fuzzer,address` over the module's sources and this file.
//
// The first input byte picks a chunk size, so the same stream is also fed in odd
// pieces, and whether CALL heads are announced (as the server has them): each announced
// body is admitted or discarded by a rule that depends only on the head. The checks are
// the decoder's promises: limits hold, nothing follows a protocol error, a discarded body
// never surfaces, and chunked feeding decodes exactly what whole feeding does.

func decodeAll(_ bytes: UnsafeRawBufferPointer, chunk: Int, heads: Bool) -> [FrameDecoder.Event] {
    var decoder = FrameDecoder(limits: WireLimits(maxMetaBytes: 512, maxBodyBytes: 2048), announcesCallHeads: heads)
    var events: [FrameDecoder.Event] = []
    var offset = 0
    while offset < bytes.count {
        let n = min(chunk, bytes.count - offset)
        decoder.feed(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n]))
        offset += n
        while let e = decoder.next() {
            events.append(e)
            if case .callHead(let meta, let length) = e {
                // Admit odd-length bodies, discard the rest.
                if (meta.count + length) % 2 == 1 { decoder.admitBody() } else { decoder.discardBody() }
            }
        }
    }
    return events
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let chunk = Int(data[0] % 17) + 1
    let heads = data[0] & 0x80 != 0
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let whole = decodeAll(input, chunk: max(1, input.count), heads: heads)
    let pieces = decodeAll(input, chunk: chunk, heads: heads)
    precondition(whole == pieces, "chunked decoding differs from whole decoding")
    var sawError = false
    var admitted: (meta: [UInt8], length: Int)?
    for event in whole {
        precondition(!sawError, "an event followed a protocol error")
        switch event {
        case .frame(let f):
            precondition(f.meta.count <= 512 && f.body.count <= 2048, "a frame exceeded the limits")
            precondition(f.body.isEmpty || f.kind.carriesBody, "a body on a frame kind without one")
            if heads, f.kind == .call {
                guard let a = admitted, a.meta == f.meta, a.length == f.body.count else {
                    preconditionFailure("a CALL surfaced that was not admitted")
                }
                admitted = nil
            }
        case .callHead(let meta, let length):
            precondition(heads, "a head announced unasked")
            precondition(admitted == nil, "a head before the admitted body arrived")
            precondition(meta.count <= 512 && length <= 2048, "a head exceeded the limits")
            if (meta.count + length) % 2 == 1 { admitted = (meta, length) }
        case .oversized(_, let meta, let length):
            precondition(meta.count <= 512 && length > 2048, "oversized reported wrongly")
        case .protocolError:
            sawError = true
        }
    }
    return 0
}
