/* cluster.h - tune --cluster slurm: a sweep's node agents placed and started by Slurm.
 *
 * Inside a Slurm allocation (salloc or sbatch: SLURM_JOB_ID is set) `--cluster slurm` turns
 * into tune's --listen mode (agents.h) with an address and a key of its own: a free TCP port
 * of this host, listened on every interface (host '*', CURVE), and a key file made for
 * this sweep in a private 0700 directory (.paratune-key-XXXXXX in the current directory,
 * which the allocation's nodes share as the job's working directory; or in
 * $PARATUNE_KEY_DIR). Once the coordinator listens, one srun step starts one paratune-agent
 * per node of the allocation (--ntasks-per-node=1, --whole: every CPU of the node for its
 * workers), each connecting back to tcp://HOSTNAME:PORT with that key file; the agents join
 * as they connect, as with agents started by hand. At exit (whatever the exit code) the
 * step is waited for (the agents leave when the coordinator tells them BYE), then ended
 * (SIGTERM, then SIGKILL: srun passes both to its tasks), and the key directory removed.
 *
 * One sweep per process: the state is this module's own (static), and the clean-up runs
 * from atexit, so no return path of tune has to remember it.
 */
#ifndef PT_CLUSTER_H
#define PT_CLUSTER_H

/* Checks `--cluster NAME` (only "slurm"), taken with --listen / --key given or not, that
 * this process runs inside an allocation and that paratune-agent is there (beside this
 * program, or $PARATUNE_AGENT); then makes the key directory, picks the
 * port and points *listen and *key at this module's strings (valid until exit). Returns 0,
 * or PT_EXIT_USAGE after printing one line ("paratune: --cluster slurm: not inside a Slurm
 * allocation ...").
 */
int pt_cluster_setup(const char *name, const char **listen, const char **key);

/* Starts the agents' srun step, once the coordinator listens. Returns 0, or a negative
 * errno with err set (fork failed; an srun that cannot run says so on stderr, and the sweep
 * then fails after --start-timeout with no agent). Without a successful pt_cluster_setup
 * it does nothing and returns 0. */
int pt_cluster_launch(char *err);

#endif
