/* pt_pid.h - getpid() answered from memory, for the whole process.
 *
 * ZeroMQ asks getpid() on every signal it sends and every wait (to notice that the process
 * forked): about 17 system calls of the 50 a near-empty job costs across the coordinator
 * and a worker. This module defines getpid itself, which the dynamic linker then binds
 * every caller in the process to (libzmq included): the first call after pt_pid_cache reads
 * the pid once, and a child forked with fork() reads it again (pthread_atfork). Before
 * pt_pid_cache, and in a program that never calls it, getpid is the plain system call.
 */
#ifndef PT_PID_H
#define PT_PID_H

/* Turns the cache on for this process (idempotent). Called first thing by the programs. */
void pt_pid_cache(void);

#endif
