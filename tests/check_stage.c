/* check_stage.c - unit tests of the stage table (pt_stage): lookups, the name lists for
 * messages, and that every descriptor is complete (every stage of the table, found through
 * pt_stage_names, so that a new stage needs no change here). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "pt_stage.h"

START_TEST(lookup_and_names)
{
    ck_assert_ptr_eq(strstr(pt_stage_names(), "pca, standardScaler, "), pt_stage_names());
    ck_assert_str_eq(pt_stage_predictor_names(),
                     "linearRegression or logisticRegression or decisionTreeClassifier or "
                     "decisionTreeRegressor or randomForestClassifier or randomForestRegressor or "
                     "gbtClassifier or gbtRegressor");
    ck_assert_ptr_null(pt_stage_lookup("PCA"));
    ck_assert_ptr_null(pt_stage_lookup(""));
    ck_assert_int_eq(pt_stage_lookup("pca")->role, PT_STAGE_TRANSFORMER);
    ck_assert_int_eq(pt_stage_lookup("linearRegression")->role, PT_STAGE_REGRESSOR);
    ck_assert_int_eq(pt_stage_lookup("logisticRegression")->role, PT_STAGE_CLASSIFIER);
    ck_assert_ptr_nonnull(pt_stage_param(pt_stage_lookup("standardScaler"), "withMean"));
    ck_assert_ptr_null(pt_stage_param(pt_stage_lookup("standardScaler"), "k"));
}
END_TEST

START_TEST(descriptors_complete)
{
    char list[512], *save = NULL;
    size_t n = 0;
    snprintf(list, sizeof list, "%s", pt_stage_names());
    for (char *name = strtok_r(list, ", ", &save); name != NULL;
         name = strtok_r(NULL, ", ", &save), n++) {
        const pt_stage_def_t *d = pt_stage_lookup(name);
        ck_assert_ptr_nonnull(d);
        ck_assert_str_eq(d->name, name);
        ck_assert(d->fit != NULL && d->pack != NULL && d->unpack != NULL);
        ck_assert(d->npack > 0 && (d->nparams == 0 || d->params != NULL));
        for (size_t j = 0; j < d->nparams; j++) {
            ck_assert_ptr_eq(pt_stage_param(d, d->params[j].name), &d->params[j]);
            ck_assert(d->params[j].type != PT_VAL_STRING || d->params[j].choices != NULL);
        }
        if (d->width_param != NULL) {
            const pt_param_def_t *w = pt_stage_param(d, d->width_param);
            ck_assert(w != NULL && w->type == PT_VAL_INT && d->role == PT_STAGE_TRANSFORMER);
        }
    }
    ck_assert_uint_ge(n, 4);
}
END_TEST

Suite *suite_stage(void)
{
    Suite *s = suite_create("stage");
    TCase *tc = tcase_create("stage");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, lookup_and_names);
    tcase_add_test(tc, descriptors_complete);
    suite_add_tcase(s, tc);
    return s;
}
