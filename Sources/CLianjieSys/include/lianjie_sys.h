/* Thin wrappers over Linux calls that Swift's Glibc module does not import
 * (epoll, eventfd) or imports awkwardly (the packed struct epoll_event). */
#ifndef LIANJIE_SYS_H
#define LIANJIE_SYS_H

#include <stddef.h>
#include <stdint.h>

/* epoll_create1(EPOLL_CLOEXEC); -1 and errno on failure. */
int lj_epoll_create(void);
/* Adds, changes or removes fd; `token` comes back from lj_epoll_wait.
 * readable selects EPOLLIN|EPOLLRDHUP, writable EPOLLOUT. */
int lj_epoll_add(int epfd, int fd, int readable, int writable, uint64_t token);
int lj_epoll_modify(int epfd, int fd, int readable, int writable, uint64_t token);
int lj_epoll_remove(int epfd, int fd);
/* Waits up to timeout_ms (-1 forever); fills tokens[i] and flags[i]
 * (bit 0 readable or peer shut its side, bit 1 writable, bit 2 hang-up or error). Returns the count. */
int lj_epoll_wait(int epfd, uint64_t *tokens, uint32_t *flags, int max, int timeout_ms);
/* A non-blocking, close-on-exec eventfd. */
int lj_eventfd(void);
/* Sets O_NONBLOCK and TCP_NODELAY (the latter only on TCP sockets). */
int lj_socket_prepare(int fd);
/* Fixes glibc's mmap threshold (mallopt M_MMAP_THRESHOLD): blocks of at least `bytes`
 * get their own mapping, returned to the system when freed. Returns 1 on success. */
int lj_malloc_fix_mmap_threshold(size_t bytes);
/* Adds `increment` to the calling thread's niceness (Linux keeps it per thread); only a
 * raise needs no privilege. Returns 0 on success, else -1 with errno set. */
int lj_thread_renice(int increment);
/* The calling thread's niceness (-1 is also what an error returns: clear errno first and
 * check it to tell them apart). */
int lj_thread_nice(void);

#endif
