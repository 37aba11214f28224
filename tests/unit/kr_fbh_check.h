/*
 * cmocka assertions and the scaffolding the engine's fake-broker tests share (include
 * after cmocka.h and kr_fakebroker.h). Most tests are: start a fake cluster with one
 * topic "t", open a producer on it, produce records 0..n-1 round-robin over the
 * partitions, flush, check that every record is in the log exactly once and that the
 * fake saw nothing a real broker would refuse, close, stop:
 *
 *     kr_fbh_t h;
 *     fbh_open(&h, fbh_start(1, 4), 1000, NULL);
 *     fbh_produce_range(&h, 0, 1000, 4, 100);
 *     fbh_flush_exact(&h, 30000, 1000);
 *     fbh_finish(&h);
 *
 * Each helper fails the test (cmocka) on the first thing that is not as expected.
 */
#ifndef KR_FBH_CHECK_H
#define KR_FBH_CHECK_H

/* Fails the test if the fake broker saw anything a real broker would refuse. */
static inline void check_no_violations(kr_fb_t *fb)
{
    char why[512];
    int n = kr_fb_violations(fb, why, sizeof(why));
    if (n != 0)
        fail_msg("the fake broker saw %d violation(s), first: %s", n, why);
}

/* Fails the test unless topic `name` holds records 0..n-1 exactly once, as reported. */
static inline void check_exact(kr_fbh_t *h, int topic, const char *name, uint64_t n)
{
    char why[512];
    if (kr_fbh_check_exact(h, topic, name, n, why, sizeof(why)) != 0)
        fail_msg("%s", why);
}

/* Starts the cluster `fc` describes. Never NULL. */
static inline kr_fb_t *fbh_start_conf(const kr_fb_conf_t *fc)
{
    kr_fb_t *fb = kr_fb_start(fc);
    assert_non_null(fb);
    return fb;
}

/* Starts a cluster of `nodes` nodes (defaults otherwise) with topic "t" of `parts`. */
static inline kr_fb_t *fbh_start(int nodes, int32_t parts)
{
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    fc.nodes = nodes;
    kr_fb_conf_topic(&fc, "t", parts);
    return fbh_start_conf(&fc);
}

/* kr_fbh_open, which must succeed: h->fb is fb (NULL: bootstrap from settings). */
static inline void fbh_open(kr_fbh_t *h, kr_fb_t *fb, size_t dr_cap, const char *const *settings)
{
    int rc = kr_fbh_open(h, fb, dr_cap, settings);
    if (rc != 0)
        fail_msg("kr_fbh_open: %s (%s)", kr_strerror(rc), h->errstr);
}

/* Produces records from..to-1 to topic "t", record i to partition i % parts. */
static inline void fbh_produce_range(kr_fbh_t *h, uint64_t from, uint64_t to, int32_t parts,
                                     size_t value_len)
{
    for (uint64_t i = from; i < to; i++)
        assert_int_equal(kr_fbh_produce(h, "t", (int32_t)(i % (uint64_t)parts), i, value_len), 0);
}

/*
 * kr_flush within timeout_ms, then records 0..n-1 of topic "t" (the conf's first topic)
 * delivered exactly once, and no violation seen by the fake.
 */
static inline void fbh_flush_exact(kr_fbh_t *h, int timeout_ms, uint64_t n)
{
    assert_int_equal(kr_flush(h->p, timeout_ms), 0);
    check_exact(h, 0, "t", n);
    check_no_violations(h->fb);
}

/* Closes the producer (1 s) and stops its fake cluster, if it has one. */
static inline void fbh_finish(kr_fbh_t *h)
{
    kr_fbh_close(h, 1000);
    kr_fb_stop(h->fb);
    h->fb = NULL;
}

#endif
