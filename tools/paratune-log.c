/* paratune-log.c - the paratune-log program: reads result logs for people and scripts.
 *
 * `paratune-log COMMAND FILE [options]` shows a log as a table (show), compares two sweeps
 * (compare), prints the best param map as --set lines (best), converts a log to CSV or JSON
 * lines (csv, json) and draws it as SVG (heatmap, timeline). `paratune-log FILE` is show.
 * Every command recomputes what it needs from the result records, so it works on a log whose
 * sweep is still running or was killed, and on one whose last record was torn by a crash (it
 * says so). This file parses the command line and runs the command; the commands live in the
 * other tools/plog_*.c files (plog.h).
 * Exit codes (pt_common.h): 0 done, 1 no answer (no best map, nothing in common) or a system
 * error, 2 bad usage or a file that is not a readable log.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "plog.h"
#include "pt_common.h"
#include "pt_file.h"

static const char usage_text[] =
    "usage: paratune-log COMMAND FILE [options]\n"
    "\n"
    "Reads a paratune result log (see docs/log-format.md). Logs of sweeps still running or\n"
    "killed work too: each command says so (a torn last record is ignored and reported).\n"
    "\n"
    "  show FILE             the param maps as a table, best first: params, average metric\n"
    "                        and population std over the folds, folds done, failed jobs, fit\n"
    "                        time; '*' marks the best map. Fitted to the terminal width\n"
    "                        ($COLUMNS overrides). `paratune-log FILE` is the same.\n"
    "  compare A B           two sweeps side by side over the param maps they share\n"
    "  best FILE [--partial] the best param map as stage.param=value lines, for --set;\n"
    "                        exit 1 when there is none (every map failed, or the sweep is\n"
    "                        unfinished: --partial takes the best of the complete maps)\n"
    "  csv FILE [--maps]     one CSV row per result record (--maps: one per param map)\n"
    "  json FILE             one JSON object per record (header, results, summary), every\n"
    "                        field as in the log; NaN is null\n"
    "  heatmap FILE --x PARAM --y PARAM --out SVG [--average]\n"
    "                        the average metric over two grid axes as an SVG grid; other\n"
    "                        axes fixed at the best map's values, or averaged (--average).\n"
    "                        PARAM is a key of the log (pca.k) or its unique last part (k)\n"
    "  timeline FILE --out SVG\n"
    "                        the jobs as an SVG Gantt chart, one lane per worker process\n"
    "\n"
    "--metric M (any command): one of the metrics the sweep recorded (--metric a,b,c of\n"
    "tune) is shown and ranks the maps instead of the refit metric; json then leaves out\n"
    "the summaries (the refit metric's). A metric the log does not record: exit 2.\n"
    "\n"
    "--out - writes to stdout; a FIFO, a device, /dev/fd/N are written to directly;\n"
    "otherwise the SVG replaces SVG whole (temporary file, rename; a symbolic link's target).\n"
    "Exit status: 0 done, 1 no answer or a system error, 2 bad usage or not a readable log.\n";

enum { OPT_X = 1, OPT_Y = 2, OPT_OUT = 4, OPT_AVERAGE = 8, OPT_MAPS = 16, OPT_PARTIAL = 32,
       OPT_METRIC = 64 };

static const struct {
    const char *name;
    int (*run)(const plog_args_t *);
    size_t nfiles;
    int allowed, required;
} commands[] = {
    {"show", plog_cmd_show, 1, OPT_METRIC, 0},
    {"compare", plog_cmd_compare, 2, OPT_METRIC, 0},
    {"best", plog_cmd_best, 1, OPT_PARTIAL | OPT_METRIC, 0},
    {"csv", plog_cmd_csv, 1, OPT_MAPS | OPT_METRIC, 0},
    {"json", plog_cmd_json, 1, OPT_METRIC, 0},
    {"heatmap", plog_cmd_heatmap, 1, OPT_X | OPT_Y | OPT_OUT | OPT_AVERAGE | OPT_METRIC,
     OPT_X | OPT_Y | OPT_OUT},
    {"timeline", plog_cmd_timeline, 1, OPT_OUT | OPT_METRIC, OPT_OUT},
};

static const struct {
    const char *name;
    int bit;
    int has_value;
} options[] = {
    {"--x", OPT_X, 1},           {"--y", OPT_Y, 1},         {"--out", OPT_OUT, 1},
    {"--average", OPT_AVERAGE, 0}, {"--maps", OPT_MAPS, 0}, {"--partial", OPT_PARTIAL, 0},
    {"--metric", OPT_METRIC, 1},
};

static int usage_error(const char *cmd, const char *what, const char *arg)
{
    fprintf(stderr, "paratune-log: %s%s%s%s (try --help)\n", cmd != NULL ? cmd : "",
            cmd != NULL ? ": " : "", what, arg != NULL ? arg : "");
    return PT_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    plog_args_t a;
    size_t ci, ncmd = sizeof commands / sizeof *commands;
    int first = 2, seen = 0, only_files = 0;

    setlocale(LC_CTYPE, ""); /* to know whether the terminal takes UTF-8 (± and …) */
    memset(&a, 0, sizeof a);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stdout);
            return PT_EXIT_OK;
        }
    if (argc < 2)
        return usage_error(NULL, "usage: paratune-log COMMAND FILE [options]", NULL);
    for (ci = 0; ci < ncmd && strcmp(argv[1], commands[ci].name) != 0; ci++)
        ;
    if (ci == ncmd) {
        /* `paratune-log FILE` is show, as before there were commands */
        if (argv[1][0] == '-' && argv[1][1] != '\0')
            return usage_error(NULL, "unknown option ", argv[1]);
        if (argc != 2)
            return usage_error(NULL, "unknown command ", argv[1]);
        ci = 0;
        first = 1;
    }
    a.cmd = commands[ci].name;

    for (int i = first; i < argc; i++) {
        const char *arg = argv[i], *eq, *value = NULL;
        size_t oi, nopt = sizeof options / sizeof *options, len;
        if (only_files || arg[0] != '-' || arg[1] == '\0') {
            if (a.nfiles == commands[ci].nfiles)
                return usage_error(a.cmd, "unexpected argument ", arg);
            a.file[a.nfiles++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_files = 1;
            continue;
        }
        eq = strchr(arg, '=');
        len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
        for (oi = 0; oi < nopt; oi++)
            if (strlen(options[oi].name) == len && strncmp(arg, options[oi].name, len) == 0)
                break;
        if (oi == nopt || !(commands[ci].allowed & options[oi].bit))
            return usage_error(a.cmd, "unknown option ", arg);
        if (options[oi].has_value) {
            if (eq != NULL)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            if (value == NULL || value[0] == '\0')
                return usage_error(a.cmd, "missing value of ", options[oi].name);
        } else if (eq != NULL) {
            return usage_error(a.cmd, "no value expected: ", arg);
        }
        if (seen & options[oi].bit)
            return usage_error(a.cmd, "option given twice: ", options[oi].name);
        seen |= options[oi].bit;
        switch (options[oi].bit) {
        case OPT_X: a.x = value; break;
        case OPT_Y: a.y = value; break;
        case OPT_OUT: a.out = value; break;
        case OPT_AVERAGE: a.average = 1; break;
        case OPT_MAPS: a.maps = 1; break;
        case OPT_PARTIAL: a.partial = 1; break;
        case OPT_METRIC: a.metric = value; break;
        default: break;
        }
    }
    if (a.nfiles < commands[ci].nfiles)
        return usage_error(a.cmd, commands[ci].nfiles == 2 ? "needs two log files"
                                                           : "needs a log file", NULL);
    for (size_t oi = 0; oi < sizeof options / sizeof *options; oi++)
        if ((commands[ci].required & options[oi].bit) && !(seen & options[oi].bit))
            return usage_error(a.cmd, "missing ", options[oi].name);
    if (a.out != NULL) { /* before the log is read: not the log, a directory that takes it */
        char err[PT_ERRLEN];
        const pt_file_arg_t in[] = {{"the log", a.file[0], 0}, {"the log", a.file[1], 0}};
        int rc = pt_file_check_outputs(&(pt_file_arg_t){"--out", a.out, 0}, 1, in, 2, err);
        if (rc != 0) {
            fprintf(stderr, "paratune-log: %s: %s\n", a.cmd, err);
            return rc == -ENOMEM ? PT_EXIT_FAIL : PT_EXIT_USAGE;
        }
    }
    return commands[ci].run(&a);
}
