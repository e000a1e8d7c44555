/* check_categorical.c - unit tests of pt_categorical: the indicator columns of a categorical
 * load, widened into the dataset's own memory or written where a pt_place_fn says (the
 * shared-memory image): the same rows at the placed positions, the labels with them, and the
 * fingerprint summed on the way equal to the one of the rows in their own memory. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "pt_categorical.h"
#include "pt_missing.h"
#include "scratch.h"

#define ROWS 5
#define WIDE 5 /* x, then the indicators of b, c (of "col") and u, v (of "g") */

typedef struct {
    double x[ROWS * WIDE], y[ROWS];
    size_t pos[ROWS];
    int calls;
} place_t;

static int place_here(void *arg, size_t rows, size_t features, double **x, double **y,
                      double **w, const size_t **pos, char *err)
{
    place_t *p = arg;
    (void)err;
    ck_assert_ptr_null(w); /* no weight column */
    ck_assert_uint_eq(rows, ROWS);
    ck_assert_uint_eq(features, WIDE);
    memset(p->x, 0xff, sizeof p->x); /* every value must be written */
    for (size_t r = 0; r < ROWS; r++)
        p->pos[r] = (r * 3 + 1) % ROWS; /* a permutation */
    *x = p->x;
    *y = p->y;
    *pos = p->pos;
    p->calls++;
    return 0;
}

static pt_dataset_t *load_cats(const char *path)
{
    static const char *const keep[] = {"col", "g"};
    pt_load_opts_t o = {.format = PT_FMT_CSV, .ignore_cols = keep, .nignore_cols = 2,
                        .keep_cols = keep, .nkeep_cols = 2};
    return load_ok(path, &o);
}

START_TEST(placed_rows_equal_own_rows)
{
    const char *path = put("c.csv", "x,col,g,label\n1,c,u,10\n2,b,v,20\n3,c,v,30\n"
                                    "4,\"b\",u,40\n5,c,u,50\n");
    char err[PT_ERRLEN] = "";
    pt_dataset_t *own = load_cats(path), *placed = load_cats(path);
    place_t p = {.calls = 0};
    uint64_t fp_own;

    ck_assert_int_eq(pt_categorical_expand(own, path, 2, err), 0);
    ck_assert_int_eq(pt_categorical_expand_into(placed, path, 2, NULL, 0, place_here, &p, err),
                     0);
    ck_assert_int_eq(p.calls, 1);
    ck_assert_uint_eq(own->features, WIDE);
    ck_assert_str_eq(own->names[1], "col=b");
    ck_assert_str_eq(own->names[4], "g=v");
    ck_assert(placed->borrowed && placed->x == p.x && placed->y == p.y && placed->fp_valid);
    for (size_t r = 0; r < ROWS; r++) {
        ck_assert_double_eq(p.y[p.pos[r]], own->y[r]);
        for (size_t j = 0; j < WIDE; j++)
            ck_assert_double_eq(p.x[p.pos[r] * WIDE + j], own->x[r * WIDE + j]);
    }
    fp_own = pt_dataset_fingerprint(own);
    ck_assert(!own->fp_valid);
    ck_assert_uint_eq(pt_dataset_fingerprint(placed), fp_own);
    pt_dataset_destroy(&own);
    pt_dataset_destroy(&placed);
}
END_TEST

/* After pt_missing_expand the indicators go between the numeric features and the
 * missing-value indicators, which stay last (the raw layout the stages read). */
START_TEST(indicators_before_missing_ones)
{
    static const char *const keep[] = {"col", "g"};
    static const char *const want[] = {"x", "col=b", "col=c", "g=u", "g=v", "x?missing"};
    static const double row1[6] = {0, 1, 0, 0, 1, 1}; /* x missing, b, v */
    const char *path = put("m.csv", "x,col,g,label\n1,c,u,10\nNA,b,v,20\n3,c,v,30\n");
    pt_load_opts_t o = {.format = PT_FMT_CSV, .ignore_cols = keep, .nignore_cols = 2,
                        .keep_cols = keep, .nkeep_cols = 2, .impute = 1};
    char err[PT_ERRLEN] = "";
    pt_dataset_t *ds = load_ok(path, &o);
    ck_assert_int_eq(pt_missing_expand(ds, path, err), 0);
    ck_assert_int_eq(pt_categorical_expand(ds, path, 2, err), 0);
    ck_assert_uint_eq(ds->features, 6);
    ck_assert_uint_eq(ds->nmiss, 1);
    for (size_t j = 0; j < 6; j++) {
        ck_assert_str_eq(ds->names[j], want[j]);
        ck_assert_double_eq(ds->x[6 + j], row1[j]);
    }
    pt_dataset_destroy(&ds);
}
END_TEST

/* A missing field of a categorical column: refused at its line, or with allow_missing coded
 * as the column's last indicator "COL?missing" (its bit in cat_missing), after the values. */
START_TEST(missing_values_slot)
{
    static const char *const want[] = {"x", "col=b", "col=c", "col?missing", "g=u", "g=v"};
    static const double row[4][6] = {{1, 0, 1, 0, 1, 0}, {2, 0, 0, 1, 0, 1},
                                     {3, 1, 0, 0, 0, 1}, {4, 0, 0, 1, 1, 0}};
    const char *path = put("n.csv", "x,col,g,label\n1,c,u,10\n2,NA,v,20\n3,b,v,30\n"
                                    "4,,u,40\n");
    char err[PT_ERRLEN] = "";
    pt_dataset_t *ds = load_cats(path);
    ck_assert_int_eq(pt_categorical_expand(ds, path, 2, err), -EINVAL);
    ck_assert_msg(strstr(err, "n.csv:3: column col: missing value (set "
                              "stringIndexer.handleInvalid to keep") != NULL, "%s", err);
    pt_dataset_destroy(&ds);
    ds = load_cats(path);
    ck_assert_int_eq(pt_categorical_expand_into(ds, path, 2, NULL, 1, NULL, NULL, err), 0);
    ck_assert_uint_eq(ds->features, 6);
    ck_assert_uint_eq(ds->cat_missing, 1);
    ck_assert_uint_eq(ds->cat_size[0], 3);
    for (size_t j = 0; j < 6; j++) {
        ck_assert_str_eq(ds->names[j], want[j]);
        for (size_t r = 0; r < 4; r++)
            ck_assert_double_eq(ds->x[r * 6 + j], row[r][j]);
    }
    pt_dataset_destroy(&ds);
}
END_TEST

Suite *suite_categorical(void)
{
    Suite *s = suite_create("categorical");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, TIMEOUT);
    tcase_add_test(tc, placed_rows_equal_own_rows);
    tcase_add_test(tc, indicators_before_missing_ones);
    tcase_add_test(tc, missing_values_slot);
    suite_add_tcase(s, tc);
    return s;
}
