#include <malloc.h>
#include "lianjie_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int lj_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static uint32_t lj_events(int readable, int writable) {
    return (readable ? (EPOLLIN | EPOLLRDHUP) : 0) | (writable ? EPOLLOUT : 0);
}

int lj_epoll_add(int epfd, int fd, int readable, int writable, uint64_t token) {
    struct epoll_event ev = { .events = lj_events(readable, writable), .data.u64 = token };
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int lj_epoll_modify(int epfd, int fd, int readable, int writable, uint64_t token) {
    struct epoll_event ev = { .events = lj_events(readable, writable), .data.u64 = token };
    return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

int lj_epoll_remove(int epfd, int fd) {
    struct epoll_event ev = { 0 };
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &ev);
}

int lj_epoll_wait(int epfd, uint64_t *tokens, uint32_t *flags, int max, int timeout_ms) {
    struct epoll_event events[256];
    if (max > 256) max = 256;
    int n;
    do {
        n = epoll_wait(epfd, events, max, timeout_ms);
    } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) {
        uint32_t e = events[i].events;
        tokens[i] = events[i].data.u64;
        flags[i] = ((e & (EPOLLIN | EPOLLRDHUP)) ? 1u : 0u) | ((e & EPOLLOUT) ? 2u : 0u) |
                   ((e & (EPOLLHUP | EPOLLERR)) ? 4u : 0u);
    }
    return n;
}

int lj_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int lj_socket_prepare(int fd) {
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return -1;
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return 0;
}

int lj_malloc_fix_mmap_threshold(size_t bytes) {
    return mallopt(M_MMAP_THRESHOLD, (int)bytes);
}

int lj_thread_nice(void) {
    return getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
}

int lj_thread_renice(int increment) {
    errno = 0;
    int now = lj_thread_nice();
    if (now == -1 && errno != 0) return -1;
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), now + increment);
}
