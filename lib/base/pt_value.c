/* pt_value.c - typed param values and ordered "stage.param" -> value lists.
 *
 * A pt_paramlist_t is a small array kept in insertion order (grids have a handful of params,
 * so lookups are linear). The list owns every key and string value; all copies are deep.
 */
#include "pt_value.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

/* Deep copy of one value into *dst (dst->str owned). 0 or -ENOMEM. */
static int value_copy(pt_value_t *dst, const pt_value_t *src)
{
    *dst = *src;
    dst->str = NULL;
    if (src->type == PT_VAL_STRING) {
        dst->str = dup_str(src->str != NULL ? src->str : "");
        if (dst->str == NULL)
            return -ENOMEM;
    }
    return 0;
}

int pt_paramlist_set(pt_paramlist_t *l, const char *key, const pt_value_t *v)
{
    pt_value_t copy;
    pt_param_t *items;
    char *k;

    if (value_copy(&copy, v) != 0)
        return -ENOMEM;
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].key, key) == 0) {
            free(l->items[i].val.str);
            l->items[i].val = copy;
            return 0;
        }
    }
    k = dup_str(key);
    items = k != NULL ? realloc(l->items, (l->n + 1) * sizeof *items) : NULL;
    if (items == NULL) {
        free(k);
        free(copy.str);
        return -ENOMEM;
    }
    l->items = items;
    l->items[l->n].key = k;
    l->items[l->n].val = copy;
    l->n++;
    return 0;
}

const pt_value_t *pt_paramlist_get(const pt_paramlist_t *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].key, key) == 0)
            return &l->items[i].val;
    return NULL;
}

int pt_paramlist_copy(pt_paramlist_t *dst, const pt_paramlist_t *src)
{
    dst->n = 0;
    dst->items = NULL;
    if (src->n == 0)
        return 0;
    dst->items = calloc(src->n, sizeof *dst->items);
    if (dst->items == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < src->n; i++) {
        dst->items[i].key = dup_str(src->items[i].key);
        /* n counts the filled items so that pt_paramlist_free releases a partial copy. */
        dst->n = i + 1;
        if (dst->items[i].key == NULL || value_copy(&dst->items[i].val, &src->items[i].val) != 0) {
            pt_paramlist_free(dst);
            return -ENOMEM;
        }
    }
    return 0;
}

void pt_paramlist_free(pt_paramlist_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key);
        free(l->items[i].val.str);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

static int value_equal(const pt_value_t *a, const pt_value_t *b)
{
    if (a->type != b->type)
        return 0;
    if (a->type == PT_VAL_STRING)
        return strcmp(a->str != NULL ? a->str : "", b->str != NULL ? b->str : "") == 0;
    /* A NaN param equals a NaN param: lists are compared as data, not as numbers. */
    if (isnan(a->num) && isnan(b->num))
        return 1;
    return a->num == b->num;
}

int pt_paramlist_equal(const pt_paramlist_t *a, const pt_paramlist_t *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->items[i].key, b->items[i].key) != 0)
            return 0;
        if (!value_equal(&a->items[i].val, &b->items[i].val))
            return 0;
    }
    return 1;
}

/* The shortest of %.15g, %.16g, %.17g that strtod reads back as exactly x (%.17g always
 * does for a finite double). */
void pt_format_double(double x, char *buf, size_t len)
{
    char tmp[40];
    if (isnan(x)) {
        snprintf(buf, len, "nan");
        return;
    }
    if (isinf(x)) {
        snprintf(buf, len, "%s", x < 0 ? "-inf" : "inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, x);
        if (prec == 17 || strtod(tmp, NULL) == x)
            break;
    }
    snprintf(buf, len, "%s", tmp);
}

void pt_value_format(const pt_value_t *v, char *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return;
    switch (v->type) {
    case PT_VAL_INT:
        /* An int is integral by contract; within +-2^63 print it exactly as an integer. */
        if (v->num > -9223372036854775808.0 && v->num < 9223372036854775808.0)
            snprintf(buf, len, "%lld", (long long)v->num);
        else
            pt_format_double(v->num, buf, len);
        break;
    case PT_VAL_DOUBLE:
        pt_format_double(v->num, buf, len);
        break;
    case PT_VAL_BOOL:
        snprintf(buf, len, "%s", v->num != 0 ? "true" : "false");
        break;
    case PT_VAL_STRING:
        snprintf(buf, len, "%s", v->str != NULL ? v->str : "");
        break;
    default:
        snprintf(buf, len, "?");
        break;
    }
}

void pt_paramlist_format(const pt_paramlist_t *l, char *buf, size_t len)
{
    size_t used = 0;
    char val[64];

    if (buf == NULL || len == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < l->n && used < len; i++) {
        const pt_value_t *v = &l->items[i].val;
        const char *text = val;
        int w;
        if (v->type == PT_VAL_STRING)
            text = v->str != NULL ? v->str : ""; /* any length, unlike val[] */
        else
            pt_value_format(v, val, sizeof val);
        w = snprintf(buf + used, len - used, "%s%s=%s", i > 0 ? " " : "", l->items[i].key, text);
        if (w < 0)
            break;
        used += (size_t)w; /* may pass len: the text was truncated and the loop ends */
    }
}
