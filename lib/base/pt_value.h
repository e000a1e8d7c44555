/* pt_value.h - typed param values and ordered "stage.param" -> value lists.
 *
 * A param map (one point of the grid), the full param set of a job and the maps stored in the
 * result log are all pt_paramlist_t. Keys and string values are owned by the list.
 */
#ifndef PT_VALUE_H
#define PT_VALUE_H

#include <stddef.h>

typedef enum { PT_VAL_INT = 1, PT_VAL_DOUBLE, PT_VAL_BOOL, PT_VAL_STRING } pt_vtype_t;

typedef struct {
    pt_vtype_t type;
    double num; /* INT: an integral value; BOOL: 0 or 1; DOUBLE: the value */
    char *str;  /* STRING only; owned by the list that holds the value */
} pt_value_t;

typedef struct {
    char *key; /* "stage.param", owned */
    pt_value_t val;
} pt_param_t;

typedef struct {
    size_t n;
    pt_param_t *items; /* owned */
} pt_paramlist_t;

/* Appends a copy of key/v (the string is copied too). If key is already present its value is
 * replaced. Returns 0 or -ENOMEM. */
int pt_paramlist_set(pt_paramlist_t *l, const char *key, const pt_value_t *v);
/* The value of key, or NULL. The pointer lives as long as the list is not changed. */
const pt_value_t *pt_paramlist_get(const pt_paramlist_t *l, const char *key);
/* dst := deep copy of src (dst must be empty or freed). Returns 0 or -ENOMEM. */
int pt_paramlist_copy(pt_paramlist_t *dst, const pt_paramlist_t *src);
/* Frees what l owns and leaves it empty; accepts an empty list. */
void pt_paramlist_free(pt_paramlist_t *l);
/* 1 when both lists have the same keys in the same order with equal values. */
int pt_paramlist_equal(const pt_paramlist_t *a, const pt_paramlist_t *b);

/* Formats v for people: ints as integers, doubles with %.17g trimmed to the shortest form that
 * reads back exactly, bools as true/false. */
void pt_value_format(const pt_value_t *v, char *buf, size_t len);
/* A double in the shortest of %.15g/%.16g/%.17g that reads back exactly; "nan", "inf",
 * "-inf" for the others. */
void pt_format_double(double x, char *buf, size_t len);
/* "k=15 regParam=0.001"-style one-line rendering of a list ("stage.param=value ..."). */
void pt_paramlist_format(const pt_paramlist_t *l, char *buf, size_t len);

#endif
