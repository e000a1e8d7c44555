/* run_one.c - runs a single suite while developing a module (not part of `make check`).
 *
 *   cc ... -DONE_SUITE=suite_dataset tests/run_one.c tests/check_dataset.c lib/...c
 */
#include <check.h>
#include <stdlib.h>

Suite *ONE_SUITE(void);

int main(void)
{
    SRunner *sr = srunner_create(ONE_SUITE());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
