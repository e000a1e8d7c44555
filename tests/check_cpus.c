/* check_cpus.c - unit tests of pt_cpus: CPU list parsing and its errors, the compact form,
 * the usable set against sched_getaffinity, and where worker slots go. */
#include <check.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "pt_common.h"
#include "pt_cpus.h"

static const int usable16[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static int parse(const char *s, int *cpus, char *err)
{
    return pt_cpus_parse(s, usable16, 16, cpus, PT_CPUS_MAX, err);
}

START_TEST(parse_lists)
{
    int c[PT_CPUS_MAX];
    char err[PT_ERRLEN];
    static const int want[] = {0, 1, 2, 3, 8, 12, 11};
    ck_assert_int_eq(parse("0-3,8,12,11", c, err), 7);
    ck_assert_mem_eq(c, want, sizeof want); /* in the order written */
    ck_assert_int_eq(parse("5", c, err), 1);
    ck_assert_int_eq(c[0], 5);
    ck_assert_int_eq(parse("15-15", c, err), 1);
    ck_assert_int_eq(c[0], 15);
    /* without a usable set every number below CPU_SETSIZE goes */
    ck_assert_int_eq(pt_cpus_parse("100-101", NULL, 0, c, PT_CPUS_MAX, err), 2);
    ck_assert_int_eq(c[1], 101);
}
END_TEST

START_TEST(parse_errors)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"", "empty CPU list"},
        {"a", "expected a CPU number at \"a\""},
        {"1,", "expected a CPU number at \"\""},
        {"1-", "expected a CPU number"},
        {"-1", "expected a CPU number at \"-1\""},
        {"3-1", "the range 3-1 runs backwards"},
        {"1,2,1", "CPU 1 is listed twice"},
        {"0-2,2", "CPU 2 is listed twice"},
        {"16", "CPU 16 is not one this process may run on (it may use 0-15)"},
        {"2-17", "CPU 16 is not one"},
        {"99999999999", "a CPU number of"},
        {"1 2", "expected ',' or '-' at \" 2\""},
        {"1;2", "expected ',' or '-'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int c[PT_CPUS_MAX];
        char err[PT_ERRLEN] = "";
        ck_assert_msg(parse(cases[i].in, c, err) == -1, "\"%s\" accepted", cases[i].in);
        ck_assert_msg(strstr(err, cases[i].want) != NULL, "\"%s\": \"%s\" lacks \"%s\"",
                      cases[i].in, err, cases[i].want);
    }
    {
        int c[2];
        char err[PT_ERRLEN] = "";
        ck_assert_int_eq(pt_cpus_parse("0-2", usable16, 16, c, 2, err), -1);
        ck_assert_ptr_nonnull(strstr(err, "more than 2 CPUs"));
    }
}
END_TEST

START_TEST(format_lists)
{
    char b[64];
    static const int a[] = {0, 1, 2, 3, 8}, two[] = {0, 1}, odd[] = {5, 3, 4, 9, 10, 11, 12};
    ck_assert_str_eq(pt_cpus_format(a, 5, b, sizeof b), "0-3,8");
    ck_assert_str_eq(pt_cpus_format(two, 2, b, sizeof b), "0,1");
    ck_assert_str_eq(pt_cpus_format(odd, 7, b, sizeof b), "5,3,4,9-12");
    ck_assert_str_eq(pt_cpus_format(a, 0, b, sizeof b), "");
    ck_assert_str_eq(pt_cpus_format(odd, 7, b, 8), "5,3,...");
    /* what format writes, parse reads back */
    {
        int c[PT_CPUS_MAX];
        char err[PT_ERRLEN];
        ck_assert_int_eq(pt_cpus_parse(pt_cpus_format(odd, 7, b, sizeof b), NULL, 0, c,
                                       PT_CPUS_MAX, err), 7);
        ck_assert_mem_eq(c, odd, sizeof odd);
    }
}
END_TEST

START_TEST(usable_is_affinity)
{
    int c[PT_CPUS_MAX], n = pt_cpus_usable(c, PT_CPUS_MAX);
    cpu_set_t set;
    ck_assert_int_eq(sched_getaffinity(0, sizeof set, &set), 0);
    ck_assert_int_eq(n, CPU_COUNT(&set));
    ck_assert_int_eq(pt_cpus_count(), n);
    for (int i = 0; i < n; i++) {
        ck_assert(CPU_ISSET(c[i], &set));
        if (i > 0)
            ck_assert_int_lt(c[i - 1], c[i]);
    }
}
END_TEST

/* slot's CPUs as a string, ascending: "0,1" */
static const char *slot_str(const int *cpus, int n, size_t slot, long threads)
{
    static char b[64];
    cpu_set_t set;
    size_t used = 0;
    pt_cpus_slot(cpus, n, slot, threads, &set);
    b[0] = 0;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set))
            used += (size_t)snprintf(b + used, sizeof b - used, "%s%d", used ? "," : "", c);
    return b;
}

START_TEST(slot_placement)
{
    static const int four[] = {4, 5, 6, 7}, order[] = {3, 1, 2};
    ck_assert_str_eq(slot_str(four, 4, 0, 1), "4");
    ck_assert_str_eq(slot_str(four, 4, 3, 1), "7");
    ck_assert_str_eq(slot_str(four, 4, 4, 1), "4"); /* more slots than CPUs: wrap around */
    ck_assert_str_eq(slot_str(four, 4, 0, 2), "4,5");
    ck_assert_str_eq(slot_str(four, 4, 1, 2), "6,7");
    ck_assert_str_eq(slot_str(four, 4, 2, 2), "4,5");
    ck_assert_str_eq(slot_str(four, 4, 1, 3), "4,5,7"); /* 7, then 4, 5 */
    ck_assert_str_eq(slot_str(four, 4, 0, 9), "4,5,6,7"); /* more threads than CPUs */
    ck_assert_str_eq(slot_str(order, 3, 0, 1), "3"); /* the list's order, not the numbers' */
    ck_assert_str_eq(slot_str(order, 3, 1, 1), "1");
    ck_assert_str_eq(slot_str(four, 4, 0, 0), "4");  /* threads < 1 counts as 1 */
}
END_TEST

Suite *suite_cpus(void)
{
    Suite *s = suite_create("cpus");
    TCase *tc = tcase_create("cpus");
    tcase_add_test(tc, parse_lists);
    tcase_add_test(tc, parse_errors);
    tcase_add_test(tc, format_lists);
    tcase_add_test(tc, usable_is_affinity);
    tcase_add_test(tc, slot_placement);
    suite_add_tcase(s, tc);
    return s;
}
