/* kring error list: messages and names generated from KR_ERRORS. */
#define _GNU_SOURCE
#include "kr_error.h"

#include <string.h>

const char *kr_strerror(int err)
{
    if (err == 0)
        return "success";
    switch (err) {
#define KR_ERROR_MSG_(name, value, msg)                                                            \
    case value:                                                                                    \
        return msg;
        KR_ERRORS(KR_ERROR_MSG_)
#undef KR_ERROR_MSG_
    default:
        break;
    }
    if (err < 0 && err > -4096)
        return strerror(-err);
    return "unknown error";
}

const char *kr_errname(int err)
{
    if (err == 0)
        return "OK";
    switch (err) {
#define KR_ERROR_NAME_(name, value, msg)                                                           \
    case value:                                                                                    \
        return #name;
        KR_ERRORS(KR_ERROR_NAME_)
#undef KR_ERROR_NAME_
    default:
        break;
    }
    if (err < 0 && err > -4096) {
        const char *n = strerrorname_np(-err);
        return n ? n : "UNKNOWN";
    }
    return "UNKNOWN";
}
