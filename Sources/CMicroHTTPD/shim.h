#include <sys/types.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdarg.h>
#include <microhttpd.h>

/* Swift does not import variadic functions: fixed-argument forms of the three it needs. */
static inline struct MHD_Daemon *lj_mhd_start(unsigned int flags, uint16_t port, MHD_AccessHandlerCallback handler,
                                              void *handler_cls, struct MHD_OptionItem *options) {
    return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_cls, MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

static inline const union MHD_ConnectionInfo *lj_mhd_connection_info(struct MHD_Connection *connection,
                                                                     enum MHD_ConnectionInfoType type) {
    return MHD_get_connection_info(connection, type);
}

static inline const union MHD_DaemonInfo *lj_mhd_daemon_info(struct MHD_Daemon *daemon, enum MHD_DaemonInfoType type) {
    return MHD_get_daemon_info(daemon, type);
}

/* A request's headers, cookies and query arguments in one pass (the iterator is told each one's kind). */
static inline int lj_mhd_request_values(struct MHD_Connection *connection, MHD_KeyValueIterator iterator, void *cls) {
    return MHD_get_connection_values(connection, (enum MHD_ValueKind)(MHD_HEADER_KIND | MHD_COOKIE_KIND | MHD_GET_ARGUMENT_KIND),
                                     iterator, cls);
}
