/*
 * SCRAM-SHA-256 and SCRAM-SHA-512 client (RFC 5802, RFC 7677; Kafka's KIP-84), without
 * channel binding ("n,," GS2 header, "c=biws").
 *
 * proto/ links no crypto library: the caller lends the hash, HMAC and PBKDF2 functions
 * in a kr_scram_crypto_t (engine/kr_sasl_crypto.h fills one from OpenSSL), and the
 * client nonce, drawn from its CSPRNG. The exchange lives in a kr_scram_t in caller
 * memory; nothing is allocated.
 *
 *   kr_scram_init(&s, crypto);
 *   kr_scram_client_first(&s, &w, user, nonce)       -> AuthBytes of round 1
 *   kr_scram_client_final(&s, &w, server_first, pass) -> AuthBytes of round 2
 *   kr_scram_server_final(&s, server_final, &err)     -> 0 when the broker proved it
 *                                                        knows the password
 *   kr_scram_clear(&s);
 *
 * Each step must follow the previous one's success (else an assertion fails); after
 * any error the exchange is over. The password is used only inside
 * kr_scram_client_final() and never stored; the keys derived from it are wiped before
 * that returns. Error codes never carry a secret, and nothing here formats messages.
 *
 * User names and passwords are used as given (bytes; no SASLprep), as Kafka's own
 * client does.
 */
#ifndef KR_SCRAM_H
#define KR_SCRAM_H

#include <stddef.h>
#include <stdint.h>

#include "kr_buf.h"

#define KR_SCRAM_DIGEST_MAX 64 /* SHA-512 */
#define KR_SCRAM_USER_MAX 255  /* user name bytes, before escaping */
#define KR_SCRAM_NONCE_MAX 128 /* client nonce characters */
#define KR_SCRAM_SALT_MAX 128  /* decoded salt bytes */
#define KR_SCRAM_AUTH_MAX 2048 /* the AuthMessage, all three messages together */
/*
 * Iteration counts kring accepts from a server. 4096 is RFC 7677's floor and the least
 * Kafka stores; a lower count from a server is a downgrade. The ceiling keeps a hostile
 * server from making the client spin in PBKDF2.
 */
#define KR_SCRAM_ITER_MIN 4096
#define KR_SCRAM_ITER_MAX 1000000

/*
 * One hash function and its HMAC and PBKDF2 (PBKDF2-HMAC with that hash, output
 * digest_len bytes, i.e. RFC 5802's Hi()). Each returns 0 on success, anything else on
 * failure (reported as KR_ECRYPTO). Outputs are digest_len bytes. The table is only
 * borrowed and must outlive every kr_scram_t that uses it.
 */
typedef struct kr_scram_crypto {
    const char *mechanism; /* the SASL name: "SCRAM-SHA-256", "SCRAM-SHA-512" */
    size_t digest_len;     /* 1..KR_SCRAM_DIGEST_MAX */
    int (*hash)(const void *data, size_t len, uint8_t *out);
    int (*hmac)(const void *key, size_t key_len, const void *data, size_t len, uint8_t *out);
    int (*pbkdf2)(const void *pass, size_t pass_len, const void *salt, size_t salt_len,
                  uint32_t iterations, uint8_t *out);
} kr_scram_crypto_t;

/* A parsed server-first-message; the strings borrow the message. */
typedef struct kr_scram_server_first {
    kr_str_t nonce; /* client nonce + server nonce */
    kr_str_t salt;  /* still base64 */
    uint32_t iterations;
} kr_scram_server_first_t;

/* A parsed server-final-message: exactly one of the two is set, the other has len -1. */
typedef struct kr_scram_server_final {
    kr_str_t verifier; /* base64 of ServerSignature (v=) */
    kr_str_t error;    /* server-error-value (e=), e.g. "invalid-proof" */
} kr_scram_server_final_t;

enum kr_scram_state {
    KR_SCRAM_START = 0,
    KR_SCRAM_FIRST_SENT,
    KR_SCRAM_FINAL_SENT,
    KR_SCRAM_DONE,
    KR_SCRAM_FAILED,
};

/*
 * The state of one exchange. auth[0..auth_len) accumulates RFC 5802's AuthMessage
 * (client-first-bare "," server-first "," client-final-without-proof); the client
 * nonce sits in it at cnonce_off. server_sig is what the server must send back.
 */
typedef struct kr_scram {
    const kr_scram_crypto_t *crypto;
    enum kr_scram_state state;
    size_t cnonce_off;
    size_t cnonce_len;
    size_t auth_len;
    uint8_t server_sig[KR_SCRAM_DIGEST_MAX];
    char auth[KR_SCRAM_AUTH_MAX];
} kr_scram_t;

/* Starts an exchange with `crypto` (borrowed; its fields must be valid). */
void kr_scram_init(kr_scram_t *s, const kr_scram_crypto_t *crypto);

/* Wipes the state (volatile stores). s may be reused after kr_scram_init(). */
void kr_scram_clear(kr_scram_t *s);

/*
 * Writes the client-first-message "n,,n=USER,r=CNONCE" to w, escaping ',' and '=' in
 * the user name as "=2C" and "=3D". cnonce: 1..KR_SCRAM_NONCE_MAX printable ASCII
 * characters other than ',' (e.g. the base64 of 18+ random bytes). Returns 0,
 * KR_ECONFIG (empty user name or one holding a NUL byte; empty nonce or a bad
 * character), KR_ERANGE (user name or nonce too long) or KR_ENOSPC.
 */
int kr_scram_client_first(kr_scram_t *s, kr_wbuf_t *w, const char *user, size_t user_len,
                          const char *cnonce, size_t cnonce_len);

/*
 * Parses a server-first-message "r=NONCE,s=SALT,i=ITER[,ext...]" into out. Checks the
 * syntax only: nonce printable without ',', salt non-empty base64 characters, i a
 * positive decimal without leading zeros within KR_SCRAM_ITER_MIN..MAX; unknown
 * extensions after i are skipped. Returns 0, KR_EMALFORMED (including a leading "m="
 * mandatory extension, which RFC 5802 makes fatal) or KR_ERANGE (iterations).
 */
int kr_scram_parse_server_first(const char *msg, size_t len, kr_scram_server_first_t *out);

/*
 * Parses a server-final-message "v=BASE64[,ext...]" or "e=VALUE[,ext...]". Returns 0
 * or KR_EMALFORMED; the base64 itself is checked by kr_scram_server_final().
 */
int kr_scram_parse_server_final(const char *msg, size_t len, kr_scram_server_final_t *out);

/*
 * Takes the server-first-message (borrowed for the call), derives the keys from
 * `pass` and writes the client-final-message "c=biws,r=NONCE,p=PROOF" to w. Returns 0,
 * KR_EMALFORMED or KR_ERANGE (see kr_scram_parse_server_first; also a salt over
 * KR_SCRAM_SALT_MAX bytes or messages over KR_SCRAM_AUTH_MAX), KR_EAUTHSERVER (the
 * server nonce does not extend the client's), KR_ECRYPTO or KR_ENOSPC.
 */
int kr_scram_client_final(kr_scram_t *s, kr_wbuf_t *w, const char *server_first, size_t len,
                          const char *pass, size_t pass_len);

/*
 * Checks the server-final-message. Returns 0 when it carries the expected
 * ServerSignature (compared in constant time); KR_EAUTH when the server sent "e=" (its
 * error value is stored in *server_error, borrowing msg; else *server_error has len
 * -1); KR_EAUTHSERVER for a wrong signature; KR_EMALFORMED. server_error may be NULL.
 */
int kr_scram_server_final(kr_scram_t *s, const char *msg, size_t len, kr_str_t *server_error);

#endif
