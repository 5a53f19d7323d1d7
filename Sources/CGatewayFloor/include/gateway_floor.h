#ifndef LIANJIE_GATEWAY_FLOOR_H
#define LIANJIE_GATEWAY_FLOOR_H
#include <stdint.h>

/* The floor under lianjie-gateway, for lianjie-bench: libmicrohttpd run as the gateway runs
   it (a thread per connection, poll), answering every request for /v1/{package.Service}/{Method}
   with one LJRP call to lianjied on a connection of its own per HTTP connection, the
   caller's Authorization and address passed on as the gateway passes them — and nothing
   else: no JSON, no message types, no routing. What a call through it adds over a direct call is what libmicrohttpd, the hop
   and the upstream call cost on the machine; the gateway's own work is what it adds
   beyond that. */

struct lj_gateway_floor;

/* Starts on 127.0.0.1 (port 0: the kernel's choice, read with lj_gateway_floor_port) in
   front of lianjied at 127.0.0.1:upstream_port, or at its gateway socket upstream_path
   when that is not NULL. NULL when it cannot listen or the path is too long. */
struct lj_gateway_floor *lj_gateway_floor_start(uint16_t upstream_port, const char *upstream_path);
uint16_t lj_gateway_floor_port(const struct lj_gateway_floor *floor);
void lj_gateway_floor_stop(struct lj_gateway_floor *floor);

#endif
