// libFuzzer target for LianjieWire's FrameDecoder. Built by Tests/Fuzz/run.sh with
// `swiftc -sanitize=fuzzer,address` over the module's sources and this file.
//
// The first input byte picks a chunk size, so the same stream is also fed in odd
// pieces; the checks are the decoder's promises: limits hold, nothing follows a
// protocol error, and chunked feeding decodes exactly what whole feeding does.

func decodeAll(_ bytes: UnsafeRawBufferPointer, chunk: Int) -> [FrameDecoder.Event] {
    var decoder = FrameDecoder(limits: WireLimits(maxMetaBytes: 512, maxBodyBytes: 2048))
    var events: [FrameDecoder.Event] = []
    var offset = 0
    while offset < bytes.count {
        let n = min(chunk, bytes.count - offset)
        decoder.feed(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n]))
        offset += n
        while let e = decoder.next() { events.append(e) }
    }
    return events
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let chunk = Int(data[0] % 17) + 1
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let whole = decodeAll(input, chunk: max(1, input.count))
    let pieces = decodeAll(input, chunk: chunk)
    precondition(whole == pieces, "chunked decoding differs from whole decoding")
    var sawError = false
    for event in whole {
        precondition(!sawError, "an event followed a protocol error")
        switch event {
        case .frame(let f):
            precondition(f.meta.count <= 512 && f.body.count <= 2048, "a frame exceeded the limits")
            precondition(f.body.isEmpty || f.kind.carriesBody, "a body on a frame kind without one")
        case .oversized(_, let meta, let length):
            precondition(meta.count <= 512 && length > 2048, "oversized reported wrongly")
        case .protocolError:
            sawError = true
        }
    }
    return 0
}
