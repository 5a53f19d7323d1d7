#include <stdint.h>
#include <stdlib.h>
#include <protobuf-c/protobuf-c.h>

/*
 * An arena for protobuf-c's structs: packing fills them in one (CArena), and unpacking
 * can allocate in one. protobuf-c allocates every string, array and nested message of
 * an unpacked message on its own, and protobuf_c_message_free_unpacked walks them all to
 * free them one by one. A message that is only read and then dropped can instead be
 * unpacked into an arena: allocations are cut from a block the caller gives (on its
 * stack, say), further blocks are malloc'd when that is full (one of its own for a large
 * allocation), free is a no-op, and lj_pb_arena_release frees the malloc'd blocks at once.
 *
 * Because free does nothing, what protobuf-c frees while it unpacks stays taken until the
 * end: a singular message field sent many times is merged again each time, its repeated
 * fields copied into new arrays, so crafted input could make the arena grow with the
 * square of its length. An arena therefore has a budget (a multiple of the input's
 * length): past it, allocation fails, `over_budget` is set, and the caller unpacks again
 * with protobuf-c's own allocator, which frees as it goes.
 */
typedef struct lj_pb_arena {
    unsigned char *cursor;
    unsigned char *end;
    /* malloc'd blocks, each starting with a pointer to the one made before it */
    void *blocks;
    /* bytes handed out so far, and how many may be */
    size_t used;
    size_t budget;
    int over_budget;
    /* the size of the blocks malloc'd when the one at hand is full */
    size_t block_size;
} lj_pb_arena;

enum { LJ_PB_ARENA_ALIGN = 16 };

static inline void *lj_pb_arena_alloc(void *data, size_t size) {
    lj_pb_arena *a = (lj_pb_arena *)data;
    if (size > SIZE_MAX / 2) return NULL;
    size = (size + (LJ_PB_ARENA_ALIGN - 1)) & ~(size_t)(LJ_PB_ARENA_ALIGN - 1);
    if (size > a->budget - a->used) {
        a->over_budget = 1;
        return NULL;
    }
    a->used += size;
    if ((size_t)(a->end - a->cursor) < size) {
        size_t room = size > a->block_size ? size : a->block_size;
        unsigned char *block = (unsigned char *)malloc(LJ_PB_ARENA_ALIGN + room);
        if (block == NULL) return NULL;
        *(void **)block = a->blocks;
        a->blocks = block;
        a->cursor = block + LJ_PB_ARENA_ALIGN;
        a->end = a->cursor + room;
    }
    void *p = a->cursor;
    a->cursor += size;
    return p;
}

static inline void lj_pb_arena_free(void *data, void *pointer) {
    (void)data;
    (void)pointer;
}

/* An arena whose first allocations come from `first` (`size` bytes, 16-byte aligned; none
   when NULL), then from malloc'd blocks of `block_size` bytes, and which hands out at most
   `budget` bytes in all. */
static inline lj_pb_arena lj_pb_arena_make(void *first, size_t size, size_t budget, size_t block_size) {
    lj_pb_arena a = { (unsigned char *)first, first != NULL ? (unsigned char *)first + size : NULL, NULL, 0, budget, 0, block_size };
    return a;
}

static inline void lj_pb_arena_release(lj_pb_arena *a) {
    void *block = a->blocks;
    while (block != NULL) {
        void *before = *(void **)block;
        free(block);
        block = before;
    }
    a->blocks = NULL;
}

/* protobuf_c_message_unpack with the arena as its allocator; nothing to free but the arena. */
static inline ProtobufCMessage *lj_pb_unpack_in_arena(const ProtobufCMessageDescriptor *descriptor, size_t length,
                                                      const uint8_t *data, lj_pb_arena *arena) {
    ProtobufCAllocator allocator = { lj_pb_arena_alloc, lj_pb_arena_free, arena };
    return protobuf_c_message_unpack(descriptor, &allocator, length, data);
}
