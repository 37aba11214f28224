/*
 * The flight event generator: a simulated fleet of aircraft, one JSON event per call.
 *
 * Each call advances one aircraft by one simulated second and writes its position report,
 * about 300 bytes of JSON, into a buffer the generator owns and reuses:
 *
 *   {"event_id":0,"timestamp":1735689600000,"icao24":"a1b2c3","callsign":"DLH4521",
 *    "airline":"Lufthansa","origin":"EDDF","destination":"KJFK","squawk":"4521",
 *    "latitude":50.03330,"longitude":8.57050,"altitude":0,"ground_speed":14,
 *    "heading":287.4,"vertical_rate":0,"on_ground":true,"status":"taxi"}
 *
 * Deterministic: the seed defines one sequence of events, event k being the position
 * report of aircraft k % fleet at its (k / fleet)-th simulated second, with event_id
 * id_first + k. An aircraft's identity and trajectory depend only on the seed and its index
 * in the fleet. A generator writes part `part` of `parts`: the events k with
 * k % parts == part, in order, so the parts of a run (threads, processes: kring produce
 * --threads and --instance) together write exactly the events one generator would, byte
 * for byte, each once. When parts divides the fleet a part flies only its own aircraft;
 * otherwise it also flies, without writing them, the events of the parts that share its
 * aircraft: parts / gcd(fleet, parts) simulated seconds per event written.
 * Timestamps are simulated (start_ms plus one second per report of an aircraft), not read
 * from a clock.
 *
 * No allocation after kr_flights_new(), no snprintf: digits are written by hand.
 */
#ifndef KR_FLIGHTS_H
#define KR_FLIGHTS_H

#include <stddef.h>
#include <stdint.h>

/* Which field a record's key is (the field's value as text, without quotes). */
typedef enum kr_flights_key {
    KR_FLIGHTS_KEY_NONE = 0,
    KR_FLIGHTS_KEY_ICAO24,
    KR_FLIGHTS_KEY_CALLSIGN,
    KR_FLIGHTS_KEY_AIRLINE,
    KR_FLIGHTS_KEY_ORIGIN,
    KR_FLIGHTS_KEY_DESTINATION,
    KR_FLIGHTS_KEY_SQUAWK,
    KR_FLIGHTS_KEY_STATUS,
    KR_FLIGHTS_KEY_EVENT_ID,
} kr_flights_key_t;

/* The names --key accepts, space-separated, for messages. */
#define KR_FLIGHTS_KEY_NAMES                                                                       \
    "none icao24 callsign airline origin destination squawk status event_id"

/* 2025-01-01T00:00:00Z: the simulated clock's default origin. */
#define KR_FLIGHTS_START_MS 1735689600000LL
#define KR_FLIGHTS_FLEET_DEFAULT 4096u
#define KR_FLIGHTS_FLEET_MAX 1000000u
/* Largest parts accepted (--instance N times --threads T). */
#define KR_FLIGHTS_PARTS_MAX (1u << 20)
/* Largest record_size accepted (the buffer is allocated once, at this size at most). */
#define KR_FLIGHTS_RECORD_MAX (16u << 20)
/* An upper bound of a natural (unpadded) event's length. */
#define KR_FLIGHTS_NATURAL_MAX 400u

typedef struct kr_flights_conf {
    uint64_t seed;
    uint32_t fleet;     /* aircraft in the whole fleet, 1..KR_FLIGHTS_FLEET_MAX */
    uint32_t part;      /* this generator writes the events k with k % parts == part */
    uint32_t parts;     /* 1..KR_FLIGHTS_PARTS_MAX */
    uint64_t id_first;  /* event_id of event 0 of the sequence */
    size_t record_size; /* 0: natural size; else every value is exactly this long */
    kr_flights_key_t key;
    int64_t start_ms; /* simulated clock origin, >= 0 */
} kr_flights_conf_t;

/* conf with the defaults: seed 1, the default fleet, one part, ids from 0, icao24 key. */
void kr_flights_conf_init(kr_flights_conf_t *conf);

/* Maps a --key name to its field; returns 0, or -1 for a name not in the list. */
int kr_flights_key_parse(const char *name, kr_flights_key_t *out);

typedef struct kr_flights kr_flights_t;

/* One event. The pointers belong to the generator and stay valid until its next call. */
typedef struct kr_flights_rec {
    const char *key; /* NULL when the key field is KR_FLIGHTS_KEY_NONE */
    size_t key_len;
    const char *value;
    size_t value_len;
} kr_flights_rec_t;

/*
 * Creates a generator (all its memory, once). Returns 0 and sets *out; KR_ERANGE for a
 * conf value out of range (fleet, parts, part, id_first, record_size); -ENOMEM.
 */
int kr_flights_new(kr_flights_t **out, const kr_flights_conf_t *conf);

/* Writes the next event into *rec. Never fails; never allocates. */
void kr_flights_next(kr_flights_t *g, kr_flights_rec_t *rec);

/* The event_id the next call will write. */
uint64_t kr_flights_next_id(const kr_flights_t *g);

void kr_flights_free(kr_flights_t *g);

#endif
