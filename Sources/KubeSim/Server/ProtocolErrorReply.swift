import NIOCore
import NIOHTTP1

/// Answers a request the HTTP parser could not read with a `Status` body, as
/// every other refusal gets, instead of a bare 400: 431 when the request line
/// or headers are over the limit, 400 otherwise. The decoder closes the
/// connection right after, so the reply is written at once.
final class ProtocolErrorReply: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let headerLimit: Int
    private var responseOpen = false

    init(headerLimit: Int) { self.headerLimit = headerLimit }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let parse = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if !responseOpen {
            let e: APIError
            switch parse {
            case .headerOverflow: e = .headersTooLarge(limit: headerLimit)
            default: e = .badRequest("the request could not be parsed as HTTP/1.1: \(parse)")
            }
            let bytes = e.status.serialized()
            let headers = HTTPHeaders([("Connection", "close"), ("Content-Type", "application/json"),
                                       ("Content-Length", String(bytes.count))])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: e.code), headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200: responseOpen = true
        case .end: responseOpen = false
        default: break
        }
        context.write(data, promise: promise)
    }
}

@available(*, unavailable)
extension ProtocolErrorReply: Sendable {}
