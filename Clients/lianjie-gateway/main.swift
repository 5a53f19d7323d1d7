// lianjie-gateway: HTTP/JSON and mobile pages in front of lianjied. All of it lives in
// LianjieGateway.
import LianjieGateway

GatewayMain.main(Array(CommandLine.arguments.dropFirst()))
