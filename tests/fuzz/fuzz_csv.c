/* fuzz_csv.c - libFuzzer target: the CSV loader (pt_csv_load) and what reads its text
 * columns afterwards (the categorical indicators, a label of class names, the missing-value
 * indicators).
 *
 * The first two bytes of an input choose the load options, as the command line would: the
 * separator (auto or given), the parsing threads (1-4: the chunking of the body, quoted or
 * not), a fold and a weight column, whether missing values are read (the imputer) or refused,
 * the --missing tokens, and whether column "c" is categorical and the label is read as text;
 * the rest is the file, a byte order mark included. Any crash, leak, undefined behaviour or
 * huge allocation is a finding; a refusal (NULL with a reason) is the expected answer to bad
 * text. Every input is loaded a second time with the plain-row path off: a different dataset
 * or message is a finding too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pt_categorical.h"
#include "pt_common.h"
#include "pt_csv.h"
#include "pt_dataset.h"
#include "pt_missing.h"
#include "pt_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same text loaded with the plain-row path off (pt_csv_set_plain): the same dataset
 * (rows, values bit for bit, fingerprint) or the same error as ds / err; else a finding. */
static void same_as_general(const pt_dataset_t *ds, const char *text, size_t len,
                            const pt_load_opts_t *o, const char *err)
{
    char err2[PT_ERRLEN];
    pt_dataset_t *g;
    int same;
    pt_csv_set_plain(0);
    g = pt_csv_load("fuzz.csv", text, len, o, err2);
    pt_csv_set_plain(1);
    if (ds == NULL || g == NULL)
        same = ds == NULL && g == NULL && strcmp(err, err2) == 0;
    else
        same = ds->rows == g->rows && ds->features == g->features &&
               ds->fingerprint == g->fingerprint &&
               memcmp(ds->x, g->x, ds->rows * ds->features * sizeof *ds->x) == 0 &&
               memcmp(ds->y, g->y, ds->rows * sizeof *ds->y) == 0;
    if (!same) {
        fprintf(stderr, "fuzz_csv: the plain-row path differs from the general rules: %s / %s\n",
                ds != NULL ? "loaded" : err, g != NULL ? "loaded" : err2);
        abort();
    }
    pt_dataset_destroy(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char seps[8] = {0, ',', ';', '\t', '|', 0, ',', ';'};
    static const char *const cat_cols[] = {"c"};
    static const char *const cat_label[] = {"c", "label"};
    char err[PT_ERRLEN];
    pt_load_opts_t o;
    pt_dataset_t *ds;
    const char *text;
    char *buf;
    size_t len;
    uint8_t f0, f1;
    int cat, text_label;

    if (size < 2)
        return 0;
    fuzz_quiet();
    f0 = data[0];
    f1 = data[1];
    memset(&o, 0, sizeof o);
    o.format = PT_FMT_CSV;
    o.sep = seps[f0 & 7];
    if (f0 & 8) {
        o.fold_col = "fold";
        o.num_folds = 3;
    }
    if (f0 & 16)
        o.weight_col = "w";
    o.impute = (f0 >> 5) & 3; /* 3 is not a documented value: the loader must cope */
    o.threads = 1 + (f1 & 3);
    if (f1 & 4)
        o.missing = (f1 & 8) ? "" : "NA,?,none";
    cat = (f1 & 16) != 0;
    text_label = cat && (f1 & 32);
    if (cat) { /* as tune does: the columns read as text, kept; the label last when text */
        o.ignore_cols = cat_cols;
        o.nignore_cols = 1;
        o.keep_cols = text_label ? cat_label : cat_cols;
        o.nkeep_cols = text_label ? 2 : 1;
        o.no_label = text_label;
    } else if (f1 & 64) {
        o.ignore_cols = cat_cols;
        o.nignore_cols = 1;
    }
    buf = fuzz_copy(data + 2, size - 2, PT_SCAN_PAD);
    text = buf;
    len = size - 2;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) { /* as pt_dataset_load */
        text += 3;
        len -= 3;
    }
    ds = pt_csv_load("fuzz.csv", text, len, &o, err);
    same_as_general(ds, text, len, &o, err);
    if (ds != NULL && o.impute == 1)
        (void)pt_missing_expand(ds, "fuzz.csv", err);
    if (ds != NULL && cat) {
        int rc = 0;
        if (text_label)
            rc = pt_categorical_label(ds, "fuzz.csv", 1, o.missing, err);
        if (rc == 0)
            (void)pt_categorical_expand_into(ds, "fuzz.csv", 1, o.missing, (f1 & 128) != 0,
                                             NULL, NULL, err);
    }
    pt_dataset_destroy(&ds);
    free(buf);
    return 0;
}
