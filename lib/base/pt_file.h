/* pt_file.h - durable output files: whole or absent, never half-written.
 *
 * Every file paratune writes (the result log's first record, model files, predictions, CSV
 * data, SVG pictures) goes through this module: a temporary file is created beside the
 * target (same directory, so the final step is an atomic rename), written, fsync'd, given
 * the target's name, and the directory is fsync'd so that the new name survives a crash. A
 * crash or an error at any point before the rename leaves whatever the target held before.
 * Temporary files are created with O_EXCL | O_CLOEXEC and mode 0666 minus the umask (the
 * permissions of an ordinary new file, unlike mkstemp's 0600), named ".NAME.XXXXXX" in the
 * target's directory, and removed on every failure path.
 *
 * What a path names decides how it is written (the README's "Outputs"):
 *   - a new name or a regular file: the temporary file and rename above (atomic);
 *   - a symbolic link: followed (chains too) to the file it names, which is then written by
 *     these rules: a regular file is replaced atomically in its own directory, the link stays;
 *     a link whose target does not exist is refused (-ENOENT; as GNU cp, nothing is created
 *     through a dangling link, whose target may be anywhere);
 *   - "-" and a descriptor of this process (/dev/stdout, /dev/stderr, /dev/fd/N,
 *     /proc/self/fd/N: a link into this process's /proc/PID/fd): written through a dup of
 *     that descriptor, at its offset (appending when it was opened to append), as a shell
 *     redirection would;
 *   - a FIFO or a character device: opened O_WRONLY and written through (the open of a FIFO
 *     waits for a reader, as a shell's would);
 *   - a directory, a block device, a socket: refused (-EISDIR, -EINVAL).
 * What is written through has no temporary file and no rename; it is fsync'd only when it
 * is a regular file behind a descriptor. pt_file_check_outputs applies the same rules before
 * a command starts its work, with the checks that need the command's inputs.
 *
 * Typical use:
 *     pt_file_t *f = pt_file_begin(path, err);
 *     ... pt_file_write(f, buf, len, err) or fprintf(pt_file_stream(f), ...) ...
 *     rc = pt_file_commit(&f, 0, err);        (on error: pt_file_abort(&f))
 * or pt_file_write_whole(path, buf, len, err) for a buffer in hand.
 */
#ifndef PT_FILE_H
#define PT_FILE_H

#include <stdio.h>
#include <stddef.h>

typedef struct pt_file pt_file_t;

/* Flags of pt_file_commit. */
enum {
    PT_FILE_NOREPLACE = 1, /* take the name with link(): an existing target is never replaced
                              (-EEXIST, the temporary file removed) */
    PT_FILE_KEEP_OPEN = 2  /* keep the descriptor open after the commit, for appending
                              (pt_file_release hands it over) */
};

/* Creates the temporary file for path, or opens what is written through (see above). Returns an owned handle (pt_file_commit or
 * pt_file_abort releases it) or NULL with the reason in err ("PATH: cannot create a
 * temporary file in DIR: why") and errno set. */
pt_file_t *pt_file_begin(const char *path, char *err);

/* The descriptor written (the temporary file's, or the one written through). */
int pt_file_fd(const pt_file_t *f);

/* A stdio stream on the temporary file, made on first call and owned by f (flushed and
 * closed by commit or abort; the caller never fcloses it). NULL with errno on failure. */
FILE *pt_file_stream(pt_file_t *f);

/* Writes all len bytes (pt_write_all). 0 or a negative errno with the reason in err. */
int pt_file_write(pt_file_t *f, const void *buf, size_t len, char *err);

/* Flushes the stream if any, fsyncs, gives the file the target's name (rename(2), or link(2)
 * with PT_FILE_NOREPLACE), fsyncs the directory, and releases f (*pf set to NULL) unless
 * PT_FILE_KEEP_OPEN. Returns 0 or a negative errno with the reason in err; on failure the
 * temporary file is removed, the target is as it was, and *pf is released and NULL. The one
 * exception is a failed fsync of the directory after the rename: the new file stays in place
 * (with PT_FILE_NOREPLACE its name is removed again, as it was free before). -EEXIST with
 * PT_FILE_NOREPLACE when the target exists ("PATH: already exists (not replacing it)"); a
 * target written through gets only the flush (and the fsync of a regular file behind a
 * descriptor), and -EEXIST with PT_FILE_NOREPLACE (it exists, and what pt_file_write sent has
 * gone to it already: a caller that needs a regular file checks first, PT_FILE_REGULAR). */
int pt_file_commit(pt_file_t **pf, int flags, char *err);

/* After a commit with PT_FILE_KEEP_OPEN: returns the descriptor (now the caller's, to close;
 * close-on-exec, O_APPEND so that writes go to the end of the committed file) and releases f
 * (*pf set to NULL). -EINVAL when *pf is NULL. */
int pt_file_release(pt_file_t **pf);

/* Removes the temporary file and releases f (a stream's unflushed bytes are dropped, also
 * for a target written through). Accepts NULL and *pf == NULL; sets *pf NULL. */
void pt_file_abort(pt_file_t **pf);

/* The whole sequence for len bytes in hand. 0 or a negative errno with the reason in err. */
int pt_file_write_whole(const char *path, const void *buf, size_t len, char *err);

/* An output or an input of a command, for pt_file_check_outputs. */
typedef struct {
    const char *opt;  /* the option naming it, for messages ("--out") */
    const char *path; /* NULL: not given, skipped */
    int flags;        /* outputs: PT_FILE_REGULAR, PT_FILE_COMPARE_ONLY */
} pt_file_arg_t;

/* Flags of pt_file_arg_t. */
enum {
    PT_FILE_REGULAR = 1,     /* a regular file or a new name only, nothing written through (a
                                log: appended to and resumed) */
    PT_FILE_COMPARE_ONLY = 2 /* written by the program itself (its report on "-"): never
                                refused on its own, only as the same file as another output or
                                as an input; opt alone names it in messages */
};

/* Checks the outputs of a command before it reads or computes anything: each output's path
 * must be one pt_file_begin takes (above) whose directory exists, is a directory and is
 * writable (a FIFO or device: writable; a descriptor: open for writing); no output may be an
 * input (the same device and inode, through symbolic and hard links; regular files) or the
 * same file as another output (a regular file, a new name in the same directory, the same
 * descriptor). Inputs that cannot be stat'ed are skipped (their reader reports them).
 * Returns 0, -EINVAL with one line "OPT PATH: why" in err (the user's to fix), or -ENOMEM.
 * Between this check and pt_file_begin the file system may change: pt_file_begin applies
 * its rules again. */
int pt_file_check_outputs(const pt_file_arg_t *out, size_t nout, const pt_file_arg_t *in,
                          size_t nin, char *err);

/* Writes all len bytes to fd, retrying short writes and EINTR. 0 or a negative errno (-EIO
 * when write returns 0). The one write loop of paratune. */
int pt_write_all(int fd, const void *buf, size_t len);

/* Reads fd to its end into the malloc'd *buf, which holds *len bytes of *cap (*buf NULL:
 * allocated here with *cap bytes), doubling *cap as it fills; pad more bytes stay allocated
 * after the *cap (so at least pad after the data), for the caller's terminator. Retries
 * EINTR. Returns 0, -ENOMEM (*buf and *cap are then what was held: the allocation that
 * failed asked for *cap + pad bytes when *buf is NULL, for 2 * *cap + pad otherwise) or
 * the negative errno of read. *buf is the caller's in every case. The one read-to-end loop
 * of paratune. */
int pt_read_all(int fd, char **buf, size_t *len, size_t *cap, size_t pad);

/* fsyncs the directory holding path (a file system that cannot, EINVAL, is not an error).
 * 0 or a negative errno. */
int pt_fsync_dir(const char *path);

#endif
