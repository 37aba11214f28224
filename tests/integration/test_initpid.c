/*
 * InitProducerId against the real broker, v0..v5.
 *
 * - Idempotent (null TransactionalId), every version: ErrorCode 0, ProducerId >= 0,
 *   ProducerEpoch >= 0, and a different producer id on every call.
 * - KIP-360 bump with the current id and epoch (v3+): for a transactional id the
 *   coordinator (found with a hand-written FindCoordinator) keeps the id and returns
 *   epoch + 1, at v3, v4 and v5. For an idempotent producer (null
 *   TransactionalId) the broker does not bump: it hands out a fresh producer id with
 *   epoch 0 (TransactionCoordinator.handleInitProducerId), so an idempotent producer
 *   bumps its epoch itself (test_idempotence shows the broker accepting that).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kr_kerr.h"
#include "kr_testapi.h"
#include "kr_testenv.h"

static const int16_t versions[] = {0, 1, 2, 3, 4, 5};
#define N_VERSIONS (sizeof(versions) / sizeof(versions[0]))
#define TXN_TIMEOUT_MS 60000
/* The transaction coordinator may still be creating __transaction_state. */
#define COORDINATOR_WAIT_S 60
#define FIND_COORDINATOR 10 /* API key */

static void test_idempotent_every_version(void **state)
{
    kr_testconn_t *c = *state;
    int64_t seen[N_VERSIONS];
    for (size_t i = 0; i < N_VERSIONS; i++) {
        kr_InitProducerIdRequest_t req = {NULL, 0, TXN_TIMEOUT_MS, -1, -1};
        kr_InitProducerIdResponse_t resp;
        kr_testapi_initpid(c, versions[i], &req, &resp);
        if (resp.ErrorCode != 0)
            fail_msg("v%d: error %d (%s)", versions[i], resp.ErrorCode,
                     kr_kerr_name(resp.ErrorCode));
        assert_true(resp.ProducerId >= 0);
        assert_true(resp.ProducerEpoch >= 0);
        assert_true(resp.ThrottleTimeMs >= 0);
        for (size_t j = 0; j < i; j++)
            assert_true(resp.ProducerId != seen[j]);
        seen[i] = resp.ProducerId;
    }
}

/* Idempotent "bump" (v3+): a new producer id with epoch 0, never an error. */
static void test_idempotent_bump(void **state)
{
    kr_testconn_t *c = *state;
    for (int16_t version = 3; version <= 5; version++) {
        kr_InitProducerIdRequest_t req = {NULL, 0, TXN_TIMEOUT_MS, -1, -1};
        kr_InitProducerIdResponse_t first, bumped;
        kr_testapi_initpid(c, version, &req, &first);
        assert_int_equal(first.ErrorCode, 0);
        req.ProducerId = first.ProducerId;
        req.ProducerEpoch = first.ProducerEpoch;
        kr_testapi_initpid(c, version, &req, &bumped);
        if (bumped.ErrorCode != 0)
            fail_msg("v%d bump: error %d (%s)", version, bumped.ErrorCode,
                     kr_kerr_name(bumped.ErrorCode));
        assert_true(bumped.ProducerId >= 0);
        assert_true(bumped.ProducerId != first.ProducerId);
        assert_int_equal(bumped.ProducerEpoch, 0);
    }
}

/* True for the errors a coordinator gives while it is not ready or elsewhere. */
static bool coordinator_retriable(int16_t code)
{
    return code == KR_KERR_COORDINATOR_NOT_AVAILABLE ||
           code == KR_KERR_COORDINATOR_LOAD_IN_PROGRESS || code == KR_KERR_NOT_COORDINATOR ||
           code == KR_KERR_CONCURRENT_TRANSACTIONS;
}

/*
 * FindCoordinator v3 (KeyType 1: transaction), written by hand: kring's producer is
 * not transactional and proto/ has no FindCoordinator. It also makes the broker create
 * __transaction_state, without which InitProducerId for a transactional id answers
 * NOT_COORDINATOR forever. Returns the ErrorCode; the coordinator's host:port into buf.
 */
static int16_t find_coordinator(kr_testconn_t *c, const char *txn, char *buf, size_t cap)
{
    kr_wbuf_t *w = kr_testnet_begin_other(c, FIND_COORDINATOR, 3, true);
    kr_wbuf_str(w, true, txn, strlen(txn)); /* Key */
    kr_wbuf_i8(w, 1);                       /* KeyType: transaction */
    kr_wbuf_tags(w, true);
    kr_rbuf_t r;
    assert_int_equal(kr_testnet_call(c, &r), 0);
    kr_rbuf_i32(&r); /* ThrottleTimeMs */
    int16_t err = kr_rbuf_i16(&r);
    kr_rbuf_nstr(&r, true); /* ErrorMessage */
    kr_rbuf_i32(&r);        /* NodeId */
    kr_str_t host = kr_rbuf_str(&r, true);
    int32_t port = kr_rbuf_i32(&r);
    kr_rbuf_tags(&r, true);
    assert_int_equal(r.err, 0);
    assert_int_equal(kr_rbuf_left(&r), 0);
    snprintf(buf, cap, "%.*s:%d", (int)host.len, host.ptr, (int)port);
    return err;
}

/* Connects `coord` to the transaction coordinator of txn, waiting while it is created. */
static void connect_coordinator(kr_testconn_t *c, const char *txn, kr_testconn_t *coord)
{
    char hostport[300];
    int16_t err = KR_KERR_COORDINATOR_NOT_AVAILABLE;
    for (int i = 0; i < COORDINATOR_WAIT_S * 2 && coordinator_retriable(err); i++) {
        err = find_coordinator(c, txn, hostport, sizeof(hostport));
        if (err != 0)
            usleep(500 * 1000);
    }
    if (err != 0)
        fail_msg("FindCoordinator %s: error %d (%s)", txn, err, kr_kerr_name(err));
    int rc = kr_testnet_connect(coord, hostport);
    if (rc != 0)
        fail_msg("connect coordinator %s: %s", hostport, kr_strerror(rc));
}

/* InitProducerId on the coordinator, retried while it loads its state. */
static void txn_initpid(kr_testconn_t *coord, int16_t version,
                        const kr_InitProducerIdRequest_t *req, kr_InitProducerIdResponse_t *out)
{
    for (int attempt = 0; attempt < COORDINATOR_WAIT_S * 2; attempt++) {
        kr_testapi_initpid(coord, version, req, out);
        if (!coordinator_retriable(out->ErrorCode))
            break;
        usleep(500 * 1000);
    }
    if (out->ErrorCode != 0)
        fail_msg("v%d transactional: error %d (%s)", version, out->ErrorCode,
                 kr_kerr_name(out->ErrorCode));
}

/* The coordinator connection of test_transactional_bump, closed by its teardown. */
static kr_testconn_t coord = {.fd = -1};

static int coord_teardown(void **state)
{
    kr_testnet_close(&coord);
    return kr_testapi_conn_teardown(state);
}

static void test_transactional_bump(void **state)
{
    kr_testconn_t *c = *state;
    for (int16_t version = 3; version <= 5; version++) {
        char txn[200];
        kr_test_topic_name(txn, sizeof(txn), "txn");
        connect_coordinator(c, txn, &coord);
        kr_InitProducerIdRequest_t req = {txn, strlen(txn), TXN_TIMEOUT_MS, -1, -1};
        kr_InitProducerIdResponse_t first, bumped;
        txn_initpid(&coord, version, &req, &first);
        assert_true(first.ProducerId >= 0);
        assert_true(first.ProducerEpoch >= 0);
        req.ProducerId = first.ProducerId;
        req.ProducerEpoch = first.ProducerEpoch;
        txn_initpid(&coord, version, &req, &bumped);
        assert_int_equal(bumped.ProducerId, first.ProducerId);
        assert_int_equal(bumped.ProducerEpoch, first.ProducerEpoch + 1);
        kr_testnet_close(&coord);
    }
}

int main(void)
{
    kr_testenv_init();
    const struct CMUnitTest tests[] = {
        KR_TESTAPI_CONN_TEST(test_idempotent_every_version),
        KR_TESTAPI_CONN_TEST(test_idempotent_bump),
        cmocka_unit_test_setup_teardown(test_transactional_bump, kr_testapi_conn_setup,
                                        coord_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
