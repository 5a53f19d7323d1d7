#include "gateway_floor.h"
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct lj_gateway_floor {
    struct MHD_Daemon *daemon;
    uint16_t upstream_port;
    char upstream_path[108];  /* lianjied's gateway socket; empty: TCP to upstream_port */
};

/* One HTTP connection's LJRP connection (its own, as a borrowed one is the gateway's). */
struct upstream {
    int fd;
    uint64_t next_id;
    char peer[64];  /* the HTTP client's ip:port, passed on as the gateway passes it */
    size_t have;  /* bytes in buffer not yet taken as a frame */
    unsigned char buffer[16384];
};

static const char answer_ok[] = "{\"ok\":true}";
static const char answer_failed[] = "{\"ok\":false}";

static size_t put_varint(unsigned char *out, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) { out[n++] = (unsigned char)(v | 0x80); v >>= 7; }
    out[n++] = (unsigned char)v;
    return n;
}

static size_t put_text(unsigned char *out, unsigned field, const char *text, size_t length) {
    size_t n = put_varint(out, field << 3 | 2);
    n += put_varint(out + n, length);
    memcpy(out + n, text, length);
    return n + length;
}

static int send_all(int fd, const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return 0;
        p += w;
        n -= (size_t)w;
    }
    return 1;
}

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int connect_upstream(struct upstream *u, const struct lj_gateway_floor *floor) {
    int fd;
    if (floor->upstream_path[0]) {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return 0;
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        memcpy(a.sun_path, floor->upstream_path, sizeof a.sun_path);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { close(fd); return 0; }
    } else {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return 0;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(floor->upstream_port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { close(fd); return 0; }
    }
    u->fd = fd;
    u->next_id = 1;
    u->have = 0;
    return 1;
}

/* One call: the CALL frame out, then reads until its REPLY is in (frames of other kinds
   before it are passed over). 1 when it came and said OK. */
static size_t put_metadata(unsigned char *out, const char *key, const char *value) {
    unsigned char pair[1100];
    size_t key_length = strlen(key), value_length = strlen(value);
    size_t p = put_text(pair, 1, key, key_length);
    p += put_text(pair + p, 2, value, value_length);
    return put_text(out, 4, (const char *)pair, p);
}

static int call(struct upstream *u, const char *method, const char *authorization) {
    unsigned char frame[2048];
    size_t method_length = strlen(method);
    size_t auth_length = authorization ? strlen(authorization) : 0;
    if (method_length > 256 || auth_length > 1024) return 0;
    uint64_t id = u->next_id++;
    size_t m = 16;
    m += put_varint(frame + m, 1 << 3);
    m += put_varint(frame + m, id);
    m += put_text(frame + m, 2, method, method_length);
    m += put_varint(frame + m, 3 << 3);
    m += put_varint(frame + m, 30000);
    if (authorization) m += put_metadata(frame + m, "authorization", authorization);
    m += put_metadata(frame + m, "forwarded-for", u->peer);
    uint32_t meta = (uint32_t)(m - 16);
    unsigned char header[16] = {'L', 'J', 'R', 'P', 1, 1, 0, 0,
                                (unsigned char)(meta >> 24), (unsigned char)(meta >> 16), (unsigned char)(meta >> 8), (unsigned char)meta,
                                0, 0, 0, 0};  /* body: WhoAmIRequest and its like encode empty */
    memcpy(frame, header, 16);
    if (!send_all(u->fd, frame, m)) return 0;
    for (;;) {
        while (u->have >= 16) {
            uint32_t meta_length = be32(u->buffer + 8), body_length = be32(u->buffer + 12);
            size_t length = 16 + (size_t)meta_length + body_length;
            if (length > sizeof u->buffer) return 0;
            if (u->have < length) break;
            int kind = u->buffer[5];
            uint64_t got = 0, status = 0;
            /* ReplyMeta: call_id (field 1) and status (field 2) are its first varints. */
            const unsigned char *p = u->buffer + 16, *end = p + meta_length;
            while (kind == 2 && p < end) {
                unsigned key = *p++;
                if ((key & 7) != 0) break;
                uint64_t v = 0;
                for (int shift = 0; p < end && shift < 64; shift += 7) {
                    v |= (uint64_t)(*p & 0x7F) << shift;
                    if (!(*p++ & 0x80)) break;
                }
                if (key >> 3 == 1) got = v;
                if (key >> 3 == 2) status = v;
            }
            memmove(u->buffer, u->buffer + length, u->have - length);
            u->have -= length;
            if (kind == 2) return got == id && status == 0;
            if (kind == 6) return 0;  /* GOAWAY; a PING or PONG is passed over */
        }
        ssize_t r = read(u->fd, u->buffer + u->have, sizeof u->buffer - u->have);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 0;
        u->have += (size_t)r;
    }
}

static void notify(void *cls, struct MHD_Connection *connection, void **socket_context, enum MHD_ConnectionNotificationCode code) {
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        struct upstream *fresh = malloc(sizeof *fresh);
        if (fresh) {
            fresh->fd = -1;
            strcpy(fresh->peer, "unknown");
            const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
            if (info && info->client_addr && info->client_addr->sa_family == AF_INET) {
                const struct sockaddr_in *a = (const struct sockaddr_in *)info->client_addr;
                char ip[INET_ADDRSTRLEN];
                if (inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip))
                    snprintf(fresh->peer, sizeof fresh->peer, "%s:%u", ip, (unsigned)ntohs(a->sin_port));
            }
        }
        *socket_context = fresh;
        return;
    }
    struct upstream *u = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED && u) {
        if (u->fd >= 0) close(u->fd);
        free(u);
        *socket_context = NULL;
    }
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **request) {
    (void)method; (void)version; (void)upload;
    struct lj_gateway_floor *floor = cls;
    if (*request == NULL) { *request = floor; return MHD_YES; }  /* the head */
    if (*upload_size) { *upload_size = 0; return MHD_YES; }       /* the body, unread */
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct upstream *u = info ? info->socket_context : NULL;
    int ok = 0;
    if (u && strncmp(url, "/v1/", 4) == 0 && (u->fd >= 0 || connect_upstream(u, floor))) {
        ok = call(u, url + 3, MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION));
        if (!ok && u->fd >= 0) { close(u->fd); u->fd = -1; }
    }
    const char *body = ok ? answer_ok : answer_failed;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    enum MHD_Result q = MHD_queue_response(connection, ok ? MHD_HTTP_OK : MHD_HTTP_BAD_GATEWAY, r);
    MHD_destroy_response(r);
    return q;
}

struct lj_gateway_floor *lj_gateway_floor_start(uint16_t upstream_port, const char *upstream_path) {
    if (upstream_path && strlen(upstream_path) >= sizeof ((struct lj_gateway_floor *)0)->upstream_path) return NULL;
    struct lj_gateway_floor *floor = calloc(1, sizeof *floor);
    if (!floor) return NULL;
    floor->upstream_port = upstream_port;
    if (upstream_path) strcpy(floor->upstream_path, upstream_path);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    /* The gateway's flags and limits (HTTPServer.swift, HTTPServerConfiguration's defaults). */
    floor->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
                                     answer, floor, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a,
                                     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)512,
                                     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)64,
                                     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
                                     MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
                                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
                                     MHD_OPTION_NOTIFY_CONNECTION, notify, NULL, MHD_OPTION_END);
    if (!floor->daemon) { free(floor); return NULL; }
    return floor;
}

uint16_t lj_gateway_floor_port(const struct lj_gateway_floor *floor) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(floor->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

void lj_gateway_floor_stop(struct lj_gateway_floor *floor) {
    MHD_stop_daemon(floor->daemon);
    free(floor);
}
