/*
 * The flight event generator. See kr_flights.h.
 *
 * Speed comes from doing per event only what changes: the static part of an aircraft's
 * event (icao24, callsign, airline, airports, squawk) is rendered once per flight into a
 * 128-byte block that is copied whole; event_id is a decimal counter incremented in place;
 * the timestamp's seconds are rendered once per pass over the fleet; numbers are written
 * two digits at a time from a table; the state advances with integer arithmetic, a
 * sine table and one xorshift step per event. Everything else is rare: phase changes and
 * new flights.
 */
#include "kr_flights.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kr_error.h"

#define HDR_MAX 128
#define ID_OFF 12 /* where event_id's digits start: after {"event_id": */
#define SLACK 256 /* room for fixed-size copies past the end of what is written */

enum { PH_TAXI, PH_TAKEOFF, PH_CLIMB, PH_CRUISE, PH_DESCENT, PH_APPROACH, PH_LANDED, PH_N };

typedef struct phase {
    const char *status;
    uint8_t on_ground;
    int16_t gs_target; /* knots */
    int16_t vrate;     /* ft/min */
    int16_t vjitter;   /* multiplier of the +-3 * 64 ft/min jitter */
    uint16_t dur_min;  /* simulated seconds */
    uint16_t dur_span;
} phase_t;

static const phase_t phases[PH_N] = {
    [PH_TAXI] = {"taxi", 1, 18, 0, 0, 120, 480},
    [PH_TAKEOFF] = {"takeoff", 0, 165, 2000, 1, 40, 40},
    [PH_CLIMB] = {"climb", 0, 320, 2200, 1, 600, 900},
    [PH_CRUISE] = {"cruise", 0, 465, 0, 1, 1800, 14000},
    [PH_DESCENT] = {"descent", 0, 300, -1800, 1, 900, 900},
    [PH_APPROACH] = {"approach", 0, 145, -750, 1, 240, 240},
    [PH_LANDED] = {"landed", 1, 10, 0, 0, 60, 300},
};

typedef struct airport {
    char code[5];
    double lat, lon;
} airport_t;

static const airport_t airports[] = {
    {"KATL", 33.6407, -84.4277},  {"KLAX", 33.9416, -118.4085}, {"KORD", 41.9742, -87.9073},
    {"KDFW", 32.8998, -97.0403},  {"KDEN", 39.8561, -104.6737}, {"KJFK", 40.6413, -73.7781},
    {"KSFO", 37.6213, -122.3790}, {"KSEA", 47.4502, -122.3088}, {"KMIA", 25.7959, -80.2870},
    {"KBOS", 42.3656, -71.0096},  {"CYYZ", 43.6777, -79.6248},  {"CYVR", 49.1967, -123.1815},
    {"MMMX", 19.4361, -99.0719},  {"SBGR", -23.4356, -46.4731}, {"SAEZ", -34.8222, -58.5358},
    {"SCEL", -33.3930, -70.7858}, {"EGLL", 51.4700, -0.4543},   {"EGKK", 51.1537, -0.1821},
    {"LFPG", 49.0097, 2.5479},    {"EHAM", 52.3105, 4.7683},    {"EDDF", 50.0379, 8.5622},
    {"EDDM", 48.3537, 11.7750},   {"LEMD", 40.4983, -3.5676},   {"LEBL", 41.2974, 2.0833},
    {"LIRF", 41.8003, 12.2389},   {"LSZH", 47.4582, 8.5555},    {"LOWW", 48.1103, 16.5697},
    {"EKCH", 55.6180, 12.6508},   {"ESSA", 59.6498, 17.9238},   {"EIDW", 53.4264, -6.2499},
    {"LTFM", 41.2753, 28.7519},   {"OMDB", 25.2532, 55.3657},   {"OTHH", 25.2731, 51.6081},
    {"VIDP", 28.5562, 77.1000},   {"VABB", 19.0896, 72.8656},   {"WSSS", 1.3644, 103.9915},
    {"VHHH", 22.3080, 113.9185},  {"RJTT", 35.5494, 139.7798},  {"RKSI", 37.4602, 126.4407},
    {"ZBAA", 40.0799, 116.6031},  {"ZSPD", 31.1443, 121.8083},  {"YSSY", -33.9399, 151.1753},
    {"NZAA", -37.0082, 174.7850}, {"FAOR", -26.1367, 28.2411},  {"HECA", 30.1219, 31.4056},
};
#define AIRPORT_N (sizeof(airports) / sizeof(airports[0]))

typedef struct airline {
    char code[4];
    const char *name;
} airline_t;

static const airline_t airlines[] = {
    {"AAL", "American Airlines"},
    {"DAL", "Delta Air Lines"},
    {"UAL", "United Airlines"},
    {"SWA", "Southwest Airlines"},
    {"ACA", "Air Canada"},
    {"BAW", "British Airways"},
    {"DLH", "Lufthansa"},
    {"AFR", "Air France"},
    {"KLM", "KLM"},
    {"RYR", "Ryanair"},
    {"EZY", "easyJet"},
    {"IBE", "Iberia"},
    {"SWR", "Swiss"},
    {"SAS", "SAS"},
    {"THY", "Turkish Airlines"},
    {"UAE", "Emirates"},
    {"QTR", "Qatar Airways"},
    {"SIA", "Singapore Airlines"},
    {"CPA", "Cathay Pacific"},
    {"JAL", "Japan Airlines"},
    {"ANA", "All Nippon Airways"},
    {"QFA", "Qantas"},
    {"LAN", "LATAM"},
    {"AMX", "Aeromexico"},
};
#define AIRLINE_N (sizeof(airlines) / sizeof(airlines[0]))

typedef struct aircraft {
    char hdr[HDR_MAX]; /* "icao24":"...",...,"squawk":"....", rendered once per flight */
    uint64_t rng;
    int32_t lat; /* 1e-5 degrees */
    int32_t lon;
    int32_t alt60;    /* 1/60 ft, so that a ft/min rate adds once per simulated second */
    int32_t alt_lo60; /* the phase ends when alt60 leaves [alt_lo60, alt_hi60] */
    int32_t alt_hi60;
    uint32_t ticks;   /* simulated seconds left in this phase */
    int16_t gs;       /* knots */
    int16_t hdg;      /* 0.1 degrees, 0..3599 */
    int16_t vrate;    /* ft/min */
    uint16_t inv_cos; /* 1 / cos(latitude), Q12 */
    uint16_t cruise_ft;
    uint16_t flight_no;
    uint8_t phase;
    uint8_t hdr_len;
    uint8_t callsign_len;
    uint8_t airline;
    uint8_t origin;
    uint8_t dest;
    char icao24[6];
    char callsign[8];
    char squawk[4];
    char ms3[4]; /* this aircraft's millisecond offset within each second */
} aircraft_t;

struct kr_flights {
    kr_flights_conf_t conf;
    aircraft_t *fleet; /* the aircraft this part's events come from */
    uint32_t n;
    uint32_t cur;
    uint64_t tick;      /* completed passes over this part's aircraft */
    uint32_t skip;      /* events of other parts flown (not written) between two of ours */
    uint32_t skip_next; /* how many to fly before the next event written */
    uint64_t id_stride; /* parts */
    uint64_t id_cur;    /* the value of the event_id digits at buf + ID_OFF */
    int id_pending;     /* the id must step before the next event */
    uint32_t id_len;
    uint8_t stride_digits[24]; /* parts' decimal digits, least significant first */
    uint32_t stride_ndigits;
    char sec[24]; /* the timestamp's seconds for the current pass */
    uint32_t sec_len;
    char frag[PH_N][48]; /* ,"on_ground":...,"status":"..."} per phase */
    uint8_t frag_len[PH_N];
    int16_t sin_q14[3600 + 900]; /* sin of 0.1-degree steps; cos(h) is sin_q14[h + 900] */
    char *buf;
    size_t buf_size;
};

static const char digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* ---- digits ---- */

static inline char *put2(char *p, uint32_t v)
{
    memcpy(p, &digits2[v * 2], 2);
    return p + 2;
}

/* Writes v in decimal without leading zeros; returns the end. */
static inline char *put_u32(char *p, uint32_t v)
{
    if (v < 100) {
        if (v < 10) {
            *p = (char)('0' + v);
            return p + 1;
        }
        return put2(p, v);
    }
    if (v < 10000) {
        if (v < 1000) {
            *p++ = (char)('0' + v / 100);
            return put2(p, v % 100);
        }
        p = put2(p, v / 100);
        return put2(p, v % 100);
    }
    char tmp[10];
    char *t = tmp + sizeof(tmp);
    while (v >= 100) {
        t -= 2;
        memcpy(t, &digits2[(v % 100) * 2], 2);
        v /= 100;
    }
    if (v >= 10) {
        t -= 2;
        memcpy(t, &digits2[v * 2], 2);
    } else {
        *--t = (char)('0' + v);
    }
    size_t len = (size_t)(tmp + sizeof(tmp) - t);
    memcpy(p, t, len);
    return p + len;
}

static inline char *put_i32(char *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    if (v < 0) {
        *p++ = '-';
        u = 0u - u;
    }
    return put_u32(p, u);
}

/* v in units of 1e-5, as [-]I.FFFFF */
static inline char *put_fixed5(char *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    if (v < 0) {
        *p++ = '-';
        u = 0u - u;
    }
    uint32_t ip = u / 100000, fp = u % 100000;
    p = put_u32(p, ip);
    *p++ = '.';
    *p++ = (char)('0' + fp / 10000);
    fp %= 10000;
    p = put2(p, fp / 100);
    return put2(p, fp % 100);
}

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    char *t = tmp + sizeof(tmp);
    do {
        *--t = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    size_t len = (size_t)(tmp + sizeof(tmp) - t);
    memcpy(p, t, len);
    return p + len;
}

static char *put_str(char *p, const char *s)
{
    size_t len = strlen(s);
    memcpy(p, s, len);
    return p + len;
}

/* ---- randomness ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t xorshift64s(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static uint32_t below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(((xorshift64s(s) >> 32) * (uint64_t)n) >> 32);
}

/* ---- the rare path: flights and phases ---- */

static int16_t bearing_d10(double lat1, double lon1, double lat2, double lon2)
{
    double dy = lat2 - lat1;
    double dx = (lon2 - lon1) * cos(lat1 * M_PI / 180.0);
    double deg = atan2(dx, dy) * 180.0 / M_PI;
    if (deg < 0)
        deg += 360.0;
    int h = (int)(deg * 10.0 + 0.5);
    return (int16_t)(h >= 3600 ? h - 3600 : h);
}

static void steer(aircraft_t *a)
{
    const airport_t *d = &airports[a->dest];
    double lat = a->lat / 1e5, lon = a->lon / 1e5;
    a->hdg = bearing_d10(lat, lon, d->lat, d->lon);
    double c = cos(lat * M_PI / 180.0);
    if (c < 0.17)
        c = 0.17;
    a->inv_cos = (uint16_t)(4096.0 / c);
}

static void render_hdr(aircraft_t *a)
{
    const airline_t *al = &airlines[a->airline];
    char *p = a->callsign;
    memcpy(p, al->code, 3);
    p = put_u32(p + 3, a->flight_no);
    a->callsign_len = (uint8_t)(p - a->callsign);

    char *h = a->hdr;
    h = put_str(h, "\"icao24\":\"");
    memcpy(h, a->icao24, 6);
    h = put_str(h + 6, "\",\"callsign\":\"");
    memcpy(h, a->callsign, a->callsign_len);
    h = put_str(h + a->callsign_len, "\",\"airline\":\"");
    h = put_str(h, al->name);
    h = put_str(h, "\",\"origin\":\"");
    h = put_str(h, airports[a->origin].code);
    h = put_str(h, "\",\"destination\":\"");
    h = put_str(h, airports[a->dest].code);
    h = put_str(h, "\",\"squawk\":\"");
    memcpy(h, a->squawk, 4);
    h = put_str(h + 4, "\",");
    assert(h - a->hdr <= HDR_MAX);
    a->hdr_len = (uint8_t)(h - a->hdr);
}

/* A new flight for aircraft a from airport `from`: callsign, destination, squawk. */
static void new_flight(aircraft_t *a, uint32_t from)
{
    a->origin = (uint8_t)from;
    uint32_t to = below(&a->rng, AIRPORT_N - 1);
    a->dest = (uint8_t)(to >= from ? to + 1 : to);
    a->flight_no = (uint16_t)(1 + below(&a->rng, 9999));
    for (int i = 0; i < 4; i++)
        a->squawk[i] = (char)('0' + below(&a->rng, 8));
    a->cruise_ft = (uint16_t)(31000 + 1000 * below(&a->rng, 11));
    render_hdr(a);
}

static void enter_phase(aircraft_t *a, uint32_t ph)
{
    const phase_t *p = &phases[ph];
    a->phase = (uint8_t)ph;
    a->ticks = p->dur_min + below(&a->rng, p->dur_span);
    a->alt_lo60 = INT32_MIN;
    a->alt_hi60 = INT32_MAX;
    switch (ph) {
    case PH_TAXI:
    case PH_LANDED:
        a->alt60 = 0;
        a->vrate = 0;
        break;
    case PH_TAKEOFF:
        a->alt_hi60 = 1500 * 60;
        break;
    case PH_CLIMB:
        a->alt_hi60 = a->cruise_ft * 60;
        break;
    case PH_DESCENT:
        a->alt_lo60 = 4000 * 60;
        break;
    case PH_APPROACH:
        a->alt_lo60 = 1;
        break;
    default:
        break;
    }
    steer(a);
}

/* The current phase is over: move to the next one (a new flight after landing). */
static void phase_end(aircraft_t *a)
{
    uint32_t next = a->phase + 1u;
    if (a->phase == PH_LANDED) {
        new_flight(a, a->dest);
        next = PH_TAXI;
    } else if (next == PH_LANDED) {
        a->lat = (int32_t)lround(airports[a->dest].lat * 1e5);
        a->lon = (int32_t)lround(airports[a->dest].lon * 1e5);
    }
    enter_phase(a, next);
}

/* Aircraft number i of the whole fleet, as the seed makes it. */
static void aircraft_init(kr_flights_t *g, aircraft_t *a, uint32_t i)
{
    const kr_flights_conf_t *c = &g->conf;
    uint64_t s = c->seed ^ ((uint64_t)i * 0xD1B54A32D192ED03ull);
    memset(a, 0, sizeof(*a));
    a->rng = splitmix64(&s) | 1;
    uint32_t icao = (uint32_t)((i * 0x9E3779B1u) ^ (uint32_t)(c->seed * 0x2545F491u)) & 0xFFFFFF;
    static const char hex[] = "0123456789abcdef";
    for (int k = 0; k < 6; k++)
        a->icao24[k] = hex[(icao >> (20 - 4 * k)) & 0xF];
    uint32_t ms = (uint32_t)(((uint64_t)i * 1000) / c->fleet);
    a->ms3[0] = (char)('0' + ms / 100);
    put2(&a->ms3[1], ms % 100);
    a->airline = (uint8_t)below(&a->rng, AIRLINE_N);
    new_flight(a, below(&a->rng, AIRPORT_N));

    static const uint8_t pick[16] = {PH_TAXI,    PH_TAXI,    PH_TAKEOFF,  PH_CLIMB,
                                     PH_CLIMB,   PH_CRUISE,  PH_CRUISE,   PH_CRUISE,
                                     PH_CRUISE,  PH_CRUISE,  PH_CRUISE,   PH_CRUISE,
                                     PH_DESCENT, PH_DESCENT, PH_APPROACH, PH_LANDED};
    uint32_t ph = pick[below(&a->rng, 16)];
    static const double along[PH_N] = {0, 0.01, 0.08, 0.5, 0.85, 0.95, 1};
    double f = along[ph];
    if (ph == PH_CRUISE)
        f = 0.15 + 0.7 * below(&a->rng, 1000) / 1000.0;
    const airport_t *o = &airports[a->origin], *d = &airports[a->dest];
    a->lat = (int32_t)lround((o->lat + (d->lat - o->lat) * f) * 1e5);
    a->lon = (int32_t)lround((o->lon + (d->lon - o->lon) * f) * 1e5);
    static const int32_t alt_ft[PH_N] = {0, 400, 12000, 0, 20000, 3000, 0};
    a->alt60 = (ph == PH_CRUISE ? a->cruise_ft : alt_ft[ph]) * 60;
    a->gs = phases[ph].gs_target;
    enter_phase(a, ph);
    if (ph == PH_TAXI || ph == PH_LANDED)
        a->alt60 = 0;
    else if (ph != PH_CRUISE)
        a->alt60 = alt_ft[ph] * 60;
}

/* ---- the hot path ---- */

/* One simulated second of aircraft a. */
static inline void advance(kr_flights_t *g, aircraft_t *a)
{
    uint64_t r = xorshift64s(&a->rng);
    const phase_t *ph = &phases[a->phase];
    if ((r & 7) == 0) {
        int h = a->hdg + (int)((r >> 3) & 7) - 3;
        h += h < 0 ? 3600 : 0;
        h -= h >= 3600 ? 3600 : 0;
        a->hdg = (int16_t)h;
    }
    int gs = a->gs, step = (int)((r >> 6) & 3);
    gs += gs < ph->gs_target ? step : -step;
    a->gs = (int16_t)(gs < 0 ? 0 : gs);
    int vr = ph->vrate + ph->vjitter * ((int)((r >> 8) & 7) - 3) * 64;
    a->vrate = (int16_t)vr;
    a->alt60 += vr;
    if (a->alt60 < 0)
        a->alt60 = 0;
    /* knots to 1e-5 degrees of latitude per second: 1e5 / 216000 = 7585 / 2^14 */
    int64_t dlat = ((int64_t)a->gs * g->sin_q14[a->hdg + 900] * 7585) >> 28;
    int64_t dlon = ((int64_t)a->gs * g->sin_q14[a->hdg] * 7585) >> 28;
    a->lat += (int32_t)dlat;
    a->lon += (int32_t)((dlon * a->inv_cos) >> 12);
    if (a->lon > 18000000)
        a->lon -= 36000000;
    if (a->lon < -18000000)
        a->lon += 36000000;
    if (a->lat > 8500000 || a->lat < -8500000) {
        a->lat = a->lat > 0 ? 8500000 : -8500000;
        a->hdg = (int16_t)(a->hdg >= 1800 ? a->hdg - 1800 : a->hdg + 1800);
    }
    if (a->alt60 < a->alt_lo60 || a->alt60 > a->alt_hi60 || --a->ticks == 0)
        phase_end(a);
}

/*
 * Adds the stride (parts) to the decimal event_id, in place in the output buffer where the previous
 * event left it: the digits are never copied (a copy right after byte-wise stores would
 * stall on store forwarding).
 */
static inline void id_step(kr_flights_t *g)
{
    char *id = g->buf + ID_OFF;
    int i = (int)g->id_len - 1;
    uint32_t carry = 0;
    for (uint32_t k = 0; k < g->stride_ndigits || carry; k++, i--) {
        if (i < 0) {
            memmove(id + 1, id, g->id_len);
            id[0] = '0';
            g->id_len++;
            i = 0;
        }
        uint32_t d = (uint32_t)(id[i] - '0') + carry;
        if (k < g->stride_ndigits)
            d += g->stride_digits[k];
        carry = d >= 10;
        id[i] = (char)('0' + (carry ? d - 10 : d));
    }
    g->id_cur += g->id_stride;
}

static void render_sec(kr_flights_t *g)
{
    uint64_t s = (uint64_t)g->conf.start_ms / 1000 + g->tick;
    g->sec_len = (uint32_t)(put_u64(g->sec, s) - g->sec);
}

#define LIT(p, s) (memcpy((p), (s), sizeof(s) - 1), (p) + sizeof(s) - 1)

static inline void set_key(const kr_flights_t *g, const aircraft_t *a, kr_flights_rec_t *rec)
{
    switch (g->conf.key) {
    case KR_FLIGHTS_KEY_NONE:
        rec->key = NULL;
        rec->key_len = 0;
        break;
    case KR_FLIGHTS_KEY_ICAO24:
        rec->key = a->icao24;
        rec->key_len = 6;
        break;
    case KR_FLIGHTS_KEY_CALLSIGN:
        rec->key = a->callsign;
        rec->key_len = a->callsign_len;
        break;
    case KR_FLIGHTS_KEY_AIRLINE:
        rec->key = airlines[a->airline].name;
        rec->key_len = strlen(rec->key);
        break;
    case KR_FLIGHTS_KEY_ORIGIN:
        rec->key = airports[a->origin].code;
        rec->key_len = 4;
        break;
    case KR_FLIGHTS_KEY_DESTINATION:
        rec->key = airports[a->dest].code;
        rec->key_len = 4;
        break;
    case KR_FLIGHTS_KEY_SQUAWK:
        rec->key = a->squawk;
        rec->key_len = 4;
        break;
    case KR_FLIGHTS_KEY_STATUS:
        rec->key = phases[a->phase].status;
        rec->key_len = strlen(rec->key);
        break;
    case KR_FLIGHTS_KEY_EVENT_ID:
        rec->key = g->buf + ID_OFF;
        rec->key_len = g->id_len;
        break;
    }
}

/* Pads (with a "pad" field, or spaces when the gap is too small for one) or cuts. */
static inline size_t fit(const kr_flights_t *g, char *buf, size_t len)
{
    size_t want = g->conf.record_size;
    if (want == 0 || want == len)
        return len;
    if (want < len)
        return want;
    size_t gap = want - len;
    char *p = buf + len - 1; /* the closing brace */
    if (gap >= 9) {
        /* the brace becomes ,"pad":"xx..."} : 9 bytes more than the x's */
        p = LIT(p, ",\"pad\":\"");
        memset(p, 'x', gap - 9);
        p += gap - 9;
        p = LIT(p, "\"}");
    } else {
        memset(p, ' ', gap);
        p[gap] = '}';
    }
    return want;
}

/* Flies the events of other parts that come before our next one, writing nothing. */
static void fly_others(kr_flights_t *g)
{
    for (; g->skip_next > 0; g->skip_next--) {
        advance(g, &g->fleet[g->cur]);
        if (++g->cur == g->n) {
            g->cur = 0;
            g->tick++;
            render_sec(g);
        }
    }
    g->skip_next = g->skip;
}

void kr_flights_next(kr_flights_t *g, kr_flights_rec_t *rec)
{
    if (g->skip_next > 0)
        fly_others(g);
    else
        g->skip_next = g->skip;
    aircraft_t *a = &g->fleet[g->cur];
    advance(g, a);
    /* The previous key may have pointed at the counter, so it steps only now. */
    if (g->id_pending)
        id_step(g);
    g->id_pending = 1;

    char *p = g->buf + ID_OFF + g->id_len;
    p = LIT(p, ",\"timestamp\":");
    memcpy(p, g->sec, 16);
    p += g->sec_len;
    memcpy(p, a->ms3, 4);
    p += 3;
    *p++ = ',';
    memcpy(p, a->hdr, HDR_MAX);
    p += a->hdr_len;
    p = LIT(p, "\"latitude\":");
    p = put_fixed5(p, a->lat);
    p = LIT(p, ",\"longitude\":");
    p = put_fixed5(p, a->lon);
    p = LIT(p, ",\"altitude\":");
    p = put_u32(p, (uint32_t)a->alt60 / 60);
    p = LIT(p, ",\"ground_speed\":");
    p = put_u32(p, (uint32_t)a->gs);
    p = LIT(p, ",\"heading\":");
    p = put_u32(p, (uint32_t)a->hdg / 10);
    *p++ = '.';
    *p++ = (char)('0' + a->hdg % 10);
    p = LIT(p, ",\"vertical_rate\":");
    p = put_i32(p, a->vrate);
    memcpy(p, g->frag[a->phase], sizeof(g->frag[0]));
    p += g->frag_len[a->phase];

    set_key(g, a, rec);
    rec->value = g->buf;
    rec->value_len = fit(g, g->buf, (size_t)(p - g->buf));
    if (++g->cur == g->n) {
        g->cur = 0;
        g->tick++;
        render_sec(g);
    }
}

uint64_t kr_flights_next_id(const kr_flights_t *g)
{
    return g->id_pending ? g->id_cur + g->id_stride : g->id_cur;
}

void kr_flights_conf_init(kr_flights_conf_t *conf)
{
    memset(conf, 0, sizeof(*conf));
    conf->seed = 1;
    conf->fleet = KR_FLIGHTS_FLEET_DEFAULT;
    conf->parts = 1;
    conf->key = KR_FLIGHTS_KEY_ICAO24;
    conf->start_ms = KR_FLIGHTS_START_MS;
}

int kr_flights_key_parse(const char *name, kr_flights_key_t *out)
{
    static const char *const names[] = {"none",        "icao24", "callsign", "airline", "origin",
                                        "destination", "squawk", "status",   "event_id"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (kr_flights_key_t)i;
            return 0;
        }
    }
    return -1;
}

static uint32_t gcd_u32(uint32_t a, uint32_t b)
{
    while (b != 0) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static int conf_check(const kr_flights_conf_t *c)
{
    if (c->fleet == 0 || c->fleet > KR_FLIGHTS_FLEET_MAX)
        return KR_ERANGE;
    if (c->parts == 0 || c->parts > KR_FLIGHTS_PARTS_MAX || c->part >= c->parts)
        return KR_ERANGE;
    if (c->record_size > KR_FLIGHTS_RECORD_MAX)
        return KR_ERANGE;
    if (c->start_ms < 1000 || (uint32_t)c->key > KR_FLIGHTS_KEY_EVENT_ID)
        return KR_ERANGE;
    /* the decimal counter must not outgrow its buffer */
    if (c->id_first > UINT64_MAX / 2)
        return KR_ERANGE;
    return 0;
}

static void init_tables(kr_flights_t *g)
{
    for (int i = 0; i < 3600 + 900; i++)
        g->sin_q14[i] = (int16_t)lround(sin((i % 3600) * M_PI / 1800.0) * 16384.0 * 0.99994);
    for (int ph = 0; ph < PH_N; ph++) {
        char *p = g->frag[ph];
        p = put_str(p, phases[ph].on_ground ? ",\"on_ground\":true" : ",\"on_ground\":false");
        p = put_str(p, ",\"status\":\"");
        p = put_str(p, phases[ph].status);
        p = put_str(p, "\"}");
        assert(p - g->frag[ph] <= (ptrdiff_t)sizeof(g->frag[0]));
        g->frag_len[ph] = (uint8_t)(p - g->frag[ph]);
    }
}

static void init_id(kr_flights_t *g)
{
    const kr_flights_conf_t *c = &g->conf;
    g->id_stride = c->parts;
    g->id_cur = c->id_first + c->part;
    char *p = LIT(g->buf, "{\"event_id\":");
    assert(p == g->buf + ID_OFF);
    g->id_len = (uint32_t)(put_u64(p, g->id_cur) - p);
    uint64_t s = g->id_stride;
    g->stride_ndigits = 0;
    do {
        g->stride_digits[g->stride_ndigits++] = (uint8_t)(s % 10);
        s /= 10;
    } while (s != 0);
}

int kr_flights_new(kr_flights_t **out, const kr_flights_conf_t *conf)
{
    int rc = conf_check(conf);
    if (rc != 0)
        return rc;
    kr_flights_t *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return -ENOMEM;
    g->conf = *conf;
    /*
     * Event k is aircraft k % fleet's. With d = gcd(fleet, parts), our events k = part +
     * m * parts all come from the aircraft i with i % d == part % d; flying those round
     * robin gives the events k = part % d + j * d, of which every (parts / d)-th is ours,
     * the first at j = part / d.
     */
    uint32_t d = gcd_u32(conf->fleet, conf->parts);
    g->n = conf->fleet / d;
    g->skip = conf->parts / d - 1;
    g->skip_next = conf->part / d;
    g->fleet = calloc(g->n, sizeof(aircraft_t));
    g->buf_size =
        (conf->record_size > KR_FLIGHTS_NATURAL_MAX ? conf->record_size : KR_FLIGHTS_NATURAL_MAX) +
        SLACK;
    g->buf = malloc(g->buf_size);
    if (g->fleet == NULL || g->buf == NULL) {
        kr_flights_free(g);
        return -ENOMEM;
    }
    init_tables(g);
    init_id(g);
    for (uint32_t j = 0; j < g->n; j++)
        aircraft_init(g, &g->fleet[j], conf->part % d + j * d);
    render_sec(g);
    *out = g;
    return 0;
}

void kr_flights_free(kr_flights_t *g)
{
    if (g == NULL)
        return;
    free(g->fleet);
    free(g->buf);
    free(g);
}
