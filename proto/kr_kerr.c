/* The Kafka error table, generated from KR_KERRS. */
#include "kr_kerr.h"

#include <stddef.h>

typedef struct kr_kerr_entry {
    const char *name;
    bool retriable;
} kr_kerr_entry_t;

/* Indexed by code - KR_KERR_MIN. The list is dense (the unit test checks), so no slot is empty. */
static const kr_kerr_entry_t kr_kerr_table[] = {
#define KR_KERR_ENTRY_(name, code, retriable) [(code)-KR_KERR_MIN] = {#name, (retriable) != 0},
    KR_KERRS(KR_KERR_ENTRY_)
#undef KR_KERR_ENTRY_
};

_Static_assert(sizeof(kr_kerr_table) / sizeof(kr_kerr_table[0]) == KR_KERR_MAX - KR_KERR_MIN + 1,
               "KR_KERR_MAX must be the highest code in KR_KERRS");

/* Returns the entry for `code`, or NULL if the table has none. */
static const kr_kerr_entry_t *kerr_find(int16_t code)
{
    if (code < KR_KERR_MIN || code > KR_KERR_MAX)
        return NULL;
    const kr_kerr_entry_t *e = &kr_kerr_table[code - KR_KERR_MIN];
    return e->name != NULL ? e : NULL;
}

/* Returns the static name of code, or KR_KERR_UNKNOWN_NAME. */
const char *kr_kerr_name(int16_t code)
{
    const kr_kerr_entry_t *e = kerr_find(code);
    return e != NULL ? e->name : KR_KERR_UNKNOWN_NAME;
}

/* Returns the table's retriable flag; false for unknown codes. */
bool kr_kerr_retriable(int16_t code)
{
    const kr_kerr_entry_t *e = kerr_find(code);
    return e != NULL && e->retriable;
}

/* True if code has an entry. */
bool kr_kerr_known(int16_t code) { return kerr_find(code) != NULL; }
