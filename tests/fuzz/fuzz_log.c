/* fuzz_log.c - libFuzzer target: the result log reader (pt_logfile_read), what --resume takes
 * from a log read back (pt_resume), and every paratune-log command on it (tools/plog_*.c:
 * show, best, csv, json, compare, heatmap, timeline; their output to /dev/null).
 *
 * The input is the log file. The commands run only on a log the reader accepted, as the
 * program does. Any crash, leak, undefined behaviour or huge allocation (a declared length
 * far beyond the bytes that remain) is a finding; a refusal with a reason is the expected
 * answer to a damaged log, a dropped torn tail the expected answer to a cut one.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../tools/plog.h"
#include "fuzz_common.h"
#include "pt_common.h"
#include "pt_log.h"
#include "pt_resume.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every paratune-log command on the log at path; x and y: two param names for the heatmap
 * (NULL: not drawn). */
static void run_commands(const char *path, const char *x, const char *y)
{
    plog_args_t a;
    memset(&a, 0, sizeof a);
    a.file[0] = a.file[1] = path;
    a.nfiles = 1;
    a.cmd = "show";
    (void)plog_cmd_show(&a);
    a.cmd = "best";
    (void)plog_cmd_best(&a);
    a.partial = 1;
    (void)plog_cmd_best(&a);
    a.cmd = "csv";
    (void)plog_cmd_csv(&a);
    a.maps = 1;
    (void)plog_cmd_csv(&a);
    a.cmd = "json";
    (void)plog_cmd_json(&a);
    a.out = "-";
    a.cmd = "timeline";
    (void)plog_cmd_timeline(&a);
    if (x != NULL && y != NULL) {
        a.cmd = "heatmap";
        a.x = x;
        a.y = y;
        (void)plog_cmd_heatmap(&a);
        a.average = 1;
        (void)plog_cmd_heatmap(&a);
    }
    memset(&a, 0, sizeof a);
    a.cmd = "compare";
    a.file[0] = a.file[1] = path;
    a.nfiles = 2;
    (void)plog_cmd_compare(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[PT_ERRLEN], why[PT_ERRLEN];
    const char *path, *x = NULL, *y = NULL;
    pt_logfile_t *lf;

    fuzz_quiet();
    path = fuzz_file(data, size);
    if ((lf = pt_logfile_read(path, err)) == NULL)
        return 0;
    (void)pt_resume_run(lf);
    (void)pt_resume_mismatch(&lf->header, &lf->header, why, sizeof why);
    if (lf->header.nmaps > 0 && lf->header.param_maps[0].n >= 2) {
        x = lf->header.param_maps[0].items[0].key;
        y = lf->header.param_maps[0].items[1].key;
    }
    run_commands(path, x, y);
    pt_logfile_destroy(&lf);
    return 0;
}
