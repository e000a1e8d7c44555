/* check_synth.c - unit tests of pt_synth: deterministic for a seed, different for another,
 * finite, named f0.., correlated features.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "pt_dataset.h"
#include "pt_synth.h"

START_TEST(synth_deterministic)
{
    pt_dataset_t *a = pt_synth_regression(300, 12, 7), *b = pt_synth_regression(300, 12, 7);
    pt_dataset_t *c = pt_synth_regression(300, 12, 8);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(a->rows, 300);
    ck_assert_uint_eq(a->features, 12);
    ck_assert_ptr_null(a->fold);
    ck_assert_int_eq(memcmp(a->x, b->x, 300 * 12 * sizeof(double)), 0);
    ck_assert_int_eq(memcmp(a->y, b->y, 300 * sizeof(double)), 0);
    ck_assert_int_ne(memcmp(a->x, c->x, 300 * 12 * sizeof(double)), 0);
    ck_assert_int_ne(memcmp(a->y, c->y, 300 * sizeof(double)), 0);
    ck_assert(pt_dataset_fingerprint(a) == pt_dataset_fingerprint(b));
    ck_assert(pt_dataset_fingerprint(a) != pt_dataset_fingerprint(c));
    ck_assert_str_eq(a->names[0], "f0");
    ck_assert_str_eq(a->names[11], "f11");
    ck_assert_str_eq(a->label_name, "label");
    for (size_t i = 0; i < 300 * 12; i++)
        ck_assert(isfinite(a->x[i]));
    /* features are correlated: rank-3 latent structure, so |corr(f0, fk)| is large for some k */
    {
        double best = 0.0;
        for (size_t k = 1; k < 12; k++) {
            double sxy = 0, sxx = 0, syy = 0, mx = 0, my = 0;
            for (size_t i = 0; i < 300; i++) {
                mx += a->x[i * 12] / 300;
                my += a->x[i * 12 + k] / 300;
            }
            for (size_t i = 0; i < 300; i++) {
                double dx = a->x[i * 12] - mx, dy = a->x[i * 12 + k] - my;
                sxy += dx * dy;
                sxx += dx * dx;
                syy += dy * dy;
            }
            if (fabs(sxy / sqrt(sxx * syy)) > best)
                best = fabs(sxy / sqrt(sxx * syy));
        }
        ck_assert_msg(best > 0.5, "max |corr| %g", best);
    }
    pt_dataset_destroy(&a);
    pt_dataset_destroy(&b);
    pt_dataset_destroy(&c);
}
END_TEST

Suite *suite_synth(void)
{
    Suite *s = suite_create("synth");
    TCase *tc = tcase_create("synth");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, synth_deterministic);
    suite_add_tcase(s, tc);
    return s;
}
