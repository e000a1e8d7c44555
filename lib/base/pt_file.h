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

/* Creates the temporary file for path. Returns an owned handle (pt_file_commit or
 * pt_file_abort releases it) or NULL with the reason in err ("PATH: cannot create a
 * temporary file in DIR: why") and errno set. */
pt_file_t *pt_file_begin(const char *path, char *err);

/* The temporary file's descriptor (for write(2), ftruncate...). */
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
 * PT_FILE_NOREPLACE when the target exists ("PATH: already exists (not replacing it)"). */
int pt_file_commit(pt_file_t **pf, int flags, char *err);

/* After a commit with PT_FILE_KEEP_OPEN: returns the descriptor (now the caller's, to close;
 * close-on-exec, O_APPEND so that writes go to the end of the committed file) and releases f
 * (*pf set to NULL). -EINVAL when *pf is NULL. */
int pt_file_release(pt_file_t **pf);

/* Removes the temporary file and releases f. Accepts NULL and *pf == NULL; sets *pf NULL. */
void pt_file_abort(pt_file_t **pf);

/* The whole sequence for len bytes in hand. 0 or a negative errno with the reason in err. */
int pt_file_write_whole(const char *path, const void *buf, size_t len, char *err);

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
