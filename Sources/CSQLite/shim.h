#include <sqlite3.h>

/// sqlite3_config is variadic, which Swift cannot call: this turns off SQLite's memory
/// statistics, which otherwise take one process-wide mutex on every allocation and free
/// (the writer and the readers then queue on it). Must run before SQLite initialises;
/// returns SQLITE_MISUSE after that.
static inline int lj_sqlite3_config_no_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
