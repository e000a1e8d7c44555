/* check_value.c - unit tests of pt_value: param lists and value formatting.
 *
 * Lists: set/replace/get, deep copies, equality, freeing. Formatting: ints, bools, strings,
 * and doubles in the shortest of %.15g/%.16g/%.17g that reads back exactly.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_common.h"
#include "pt_value.h"

static pt_value_t vint(double x) { return (pt_value_t){PT_VAL_INT, x, NULL}; }
static pt_value_t vdbl(double x) { return (pt_value_t){PT_VAL_DOUBLE, x, NULL}; }
static pt_value_t vbool(int b) { return (pt_value_t){PT_VAL_BOOL, b, NULL}; }
static pt_value_t vstr(const char *s) { return (pt_value_t){PT_VAL_STRING, 0, (char *)s}; }

START_TEST(test_set_get_replace)
{
    pt_paramlist_t l = {0, NULL};
    pt_value_t v;
    char name[] = "auto";
    const pt_value_t *g;

    v = vdbl(0.1);
    ck_assert_int_eq(pt_paramlist_set(&l, "lr.regParam", &v), 0);
    v = vint(100);
    ck_assert_int_eq(pt_paramlist_set(&l, "lr.maxIter", &v), 0);
    v = vstr(name);
    ck_assert_int_eq(pt_paramlist_set(&l, "lr.solver", &v), 0);
    name[0] = 'X'; /* the list holds its own copy */
    ck_assert_uint_eq(l.n, 3);
    g = pt_paramlist_get(&l, "lr.solver");
    ck_assert_ptr_nonnull(g);
    ck_assert_str_eq(g->str, "auto");
    ck_assert_ptr_null(pt_paramlist_get(&l, "lr.tol"));

    /* replacing keeps the position and the count */
    v = vbool(1);
    ck_assert_int_eq(pt_paramlist_set(&l, "lr.regParam", &v), 0);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_str_eq(l.items[0].key, "lr.regParam");
    ck_assert_int_eq(l.items[0].val.type, PT_VAL_BOOL);
    v = vstr("l-bfgs");
    ck_assert_int_eq(pt_paramlist_set(&l, "lr.solver", &v), 0);
    ck_assert_str_eq(pt_paramlist_get(&l, "lr.solver")->str, "l-bfgs");

    pt_paramlist_free(&l);
    ck_assert_uint_eq(l.n, 0);
    ck_assert_ptr_null(l.items);
    pt_paramlist_free(&l); /* an empty list is fine */
}
END_TEST

START_TEST(test_copy_equal)
{
    pt_paramlist_t a = {0, NULL}, b = {0, NULL}, c = {0, NULL};
    pt_value_t v;

    ck_assert_int_eq(pt_paramlist_copy(&b, &a), 0); /* empty copy */
    ck_assert_int_eq(pt_paramlist_equal(&a, &b), 1);

    v = vdbl(NAN);
    pt_paramlist_set(&a, "x.nan", &v);
    v = vstr("s");
    pt_paramlist_set(&a, "x.s", &v);
    v = vint(-3);
    pt_paramlist_set(&a, "x.i", &v);
    ck_assert_int_eq(pt_paramlist_equal(&a, &b), 0);
    ck_assert_int_eq(pt_paramlist_copy(&c, &a), 0);
    ck_assert_int_eq(pt_paramlist_equal(&a, &c), 1); /* NaN equals NaN as data */
    ck_assert_ptr_ne(a.items[1].val.str, c.items[1].val.str);

    /* a different value, type or order is not equal */
    v = vstr("t");
    pt_paramlist_set(&c, "x.s", &v);
    ck_assert_int_eq(pt_paramlist_equal(&a, &c), 0);
    v = vstr("s");
    pt_paramlist_set(&c, "x.s", &v);
    ck_assert_int_eq(pt_paramlist_equal(&a, &c), 1);
    v = vdbl(-3);
    pt_paramlist_set(&c, "x.i", &v);
    ck_assert_int_eq(pt_paramlist_equal(&a, &c), 0);

    pt_paramlist_free(&c);
    v = vint(-3);
    pt_paramlist_set(&c, "x.i", &v);
    v = vstr("s");
    pt_paramlist_set(&c, "x.s", &v);
    v = vdbl(NAN);
    pt_paramlist_set(&c, "x.nan", &v);
    ck_assert_int_eq(pt_paramlist_equal(&a, &c), 0);

    pt_paramlist_free(&a);
    pt_paramlist_free(&b);
    pt_paramlist_free(&c);
}
END_TEST

static const char *fmt(pt_value_t v)
{
    static char buf[64];
    pt_value_format(&v, buf, sizeof buf);
    return buf;
}

START_TEST(test_format_scalars)
{
    ck_assert_str_eq(fmt(vint(15)), "15");
    ck_assert_str_eq(fmt(vint(-7)), "-7");
    ck_assert_str_eq(fmt(vint(9007199254740992.0)), "9007199254740992");
    ck_assert_str_eq(fmt(vbool(1)), "true");
    ck_assert_str_eq(fmt(vbool(0)), "false");
    ck_assert_str_eq(fmt(vstr("auto")), "auto");
    ck_assert_str_eq(fmt(vdbl(0.1)), "0.1");
    ck_assert_str_eq(fmt(vdbl(0.001)), "0.001");
    ck_assert_str_eq(fmt(vdbl(1.0)), "1");
    ck_assert_str_eq(fmt(vdbl(1e-6)), "1e-06");
    ck_assert_str_eq(fmt(vdbl(0.1 + 0.2)), "0.30000000000000004"); /* needs 17 */
    ck_assert_str_eq(fmt(vdbl(1.0 / 3.0)), "0.3333333333333333");  /* needs 16 */
    ck_assert_str_eq(fmt(vdbl(NAN)), "nan");
    ck_assert_str_eq(fmt(vdbl(INFINITY)), "inf");
    ck_assert_str_eq(fmt(vdbl(-INFINITY)), "-inf");
    ck_assert_str_eq(fmt(vdbl(5e-324)), "4.94065645841247e-324");
}
END_TEST

/* Every finite double comes back exactly, and no shorter precision would have done. */
START_TEST(test_format_doubles_read_back)
{
    uint64_t rng = 42;
    char buf[64], shorter[64];
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = pt_rng_next(&rng);
        double x;
        pt_value_t v;
        int prec;
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x))
            continue;
        if (i % 2)
            x = pt_rng_uniform(&rng) * 10.0; /* ordinary magnitudes too */
        v = vdbl(x);
        pt_value_format(&v, buf, sizeof buf);
        ck_assert_msg(strtod(buf, NULL) == x, "%s does not read back", buf);
        for (prec = 15; prec <= 17; prec++) {
            snprintf(shorter, sizeof shorter, "%.*g", prec, x);
            if (strtod(shorter, NULL) == x)
                break;
        }
        ck_assert_str_eq(buf, shorter);
    }
}
END_TEST

START_TEST(test_format_small_buffer)
{
    char buf[4];
    pt_value_t v = vdbl(0.123456);
    pt_value_format(&v, buf, sizeof buf);
    ck_assert_str_eq(buf, "0.1");
    pt_value_format(&v, buf, 0); /* writes nothing */
}
END_TEST

START_TEST(test_paramlist_format)
{
    pt_paramlist_t l = {0, NULL};
    pt_value_t v;
    char buf[128], small[12];

    pt_paramlist_format(&l, buf, sizeof buf);
    ck_assert_str_eq(buf, "");
    v = vint(15);
    pt_paramlist_set(&l, "pca.k", &v);
    v = vdbl(0.001);
    pt_paramlist_set(&l, "lr.regParam", &v);
    v = vbool(0);
    pt_paramlist_set(&l, "lr.fitIntercept", &v);
    v = vstr("normal");
    pt_paramlist_set(&l, "lr.solver", &v);
    pt_paramlist_format(&l, buf, sizeof buf);
    ck_assert_str_eq(buf, "pca.k=15 lr.regParam=0.001 lr.fitIntercept=false lr.solver=normal");
    pt_paramlist_format(&l, small, sizeof small);
    ck_assert_str_eq(small, "pca.k=15 lr");
    pt_paramlist_free(&l);
}
END_TEST

Suite *suite_value(void)
{
    Suite *s = suite_create("value");
    TCase *tc = tcase_create("paramlist");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_set_get_replace);
    tcase_add_test(tc, test_copy_equal);
    suite_add_tcase(s, tc);
    tc = tcase_create("format");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_format_scalars);
    tcase_add_test(tc, test_format_doubles_read_back);
    tcase_add_test(tc, test_format_small_buffer);
    tcase_add_test(tc, test_paramlist_format);
    suite_add_tcase(s, tc);
    return s;
}
