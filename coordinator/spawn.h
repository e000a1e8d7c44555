/* spawn.h - fork+exec of paratune-worker processes with exec failures reported back.
 *
 * The child runs only async-signal-safe calls between fork and exec (the coordinator has
 * ZeroMQ threads by then, and no ZeroMQ state may be used across the fork): it puts itself
 * in its own process group (so a terminal's Ctrl-C reaches only the coordinator, which
 * decides what the workers do), restores default signal dispositions and mask, makes the
 * shared-memory descriptors inheritable, and execs. A failed exec writes errno into a close-on-exec
 * pipe, as libuv does, so the coordinator reports it instead of counting a dead worker.
 */
#ifndef PT_SPAWN_H
#define PT_SPAWN_H

#include <sched.h>
#include <sys/types.h>

/* Starts path with argv and envp (NULL-terminated; envp NULL: this environment); the nkeep
 * descriptors keep[] stay open in the child (negative entries are skipped). cpus, when not
 * NULL, is the child's CPU affinity (set before exec, so every thread it starts has it).
 * Returns the child's pid, or a negative errno (fork or exec failed) with err set. */
pid_t pt_spawn(const char *path, char *const argv[], char *const envp[], const int *keep,
               size_t nkeep, const cpu_set_t *cpus, char *err);

/* Path of the paratune-worker binary: $PARATUNE_WORKER, else paratune-worker beside the
 * running executable. Writes into buf (len bytes). Returns 0 or -ENAMETOOLONG/-errno. */
int pt_worker_path(char *buf, size_t len);

#endif
