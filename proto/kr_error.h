/*
 * kring error codes: one list for every C-level error the project returns.
 *
 * Functions return 0 on success, a negative errno for operating-system failures
 * (liburing's convention), or one of the KR_E... codes below for everything else.
 * A broker's ErrorCode is data carried in a response struct, never one of these;
 * see kr_kerr.h for the Kafka error table.
 */
#ifndef KR_ERROR_H
#define KR_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* clang-format off */
/* X(name, value, message). Values sit far below -4095 so they never collide with -errno. */
#define KR_ERRORS(X)                                                                   \
    X(KR_ENOSPC,       -10001, "output buffer too small")                              \
    X(KR_ETRUNC,       -10002, "input truncated")                                      \
    X(KR_EMALFORMED,   -10003, "malformed input")                                      \
    X(KR_ETOOMANY,     -10004, "more elements than the caller's storage holds")        \
    X(KR_EVERSION,     -10005, "unsupported API version")                              \
    X(KR_ERANGE,       -10006, "value out of range")                                   \
    X(KR_ECODEC,       -10007, "compression codec failure")                            \
    X(KR_ECRC,         -10008, "CRC mismatch")                                         \
    X(KR_ECORRELATION, -10009, "correlation id mismatch")                              \
    X(KR_EBATCHFULL,   -10010, "record batch full")                                    \
    X(KR_ECONFIG,      -10011, "invalid configuration")                                \
    X(KR_ETIMEDOUT,    -10012, "timed out")                                            \
    X(KR_EQUEUEFULL,   -10013, "queue full: buffer.memory in use")                     \
    X(KR_EUNKNOWNTOPIC, -10014, "unknown topic")                                       \
    X(KR_EUNKNOWNPART, -10015, "unknown partition")                                    \
    X(KR_ETOOLARGE,    -10016, "record larger than the configured maximum")            \
    X(KR_ETRANSPORT,   -10017, "broker connection failed")                             \
    X(KR_EBROKER,      -10018, "broker returned an error")                             \
    X(KR_ENOURING,     -10019, "io_uring is not available")                           \
    X(KR_ESTATE,       -10020, "operation not valid in this state")                    \
    X(KR_EFATAL,       -10021, "producer is in a fatal state")                         \
    X(KR_EAUTH,        -10022, "SASL authentication failed")                           \
    X(KR_EAUTHSERVER,  -10023, "SASL server failed verification")                      \
    X(KR_ECRYPTO,      -10024, "crypto provider failed")                               \
    X(KR_ETLS,         -10025, "TLS failed")
/* clang-format on */

enum kr_error {
#define KR_ERROR_ENUM_(name, value, msg) name = value,
    KR_ERRORS(KR_ERROR_ENUM_)
#undef KR_ERROR_ENUM_
};

/*
 * Returns a static, human-readable message for any value a kring function returns:
 * 0, a negative errno, or a KR_E... code. Never NULL.
 */
const char *kr_strerror(int err);

/* Returns the symbolic name ("KR_ETRUNC", "ECONNREFUSED", ...) or "UNKNOWN". Never NULL. */
const char *kr_errname(int err);

#ifdef __cplusplus
}
#endif

#endif
