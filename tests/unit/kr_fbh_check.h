/*
 * cmocka assertions the engine's fake-broker tests share (include after cmocka.h and
 * kr_fakebroker.h).
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

#endif
