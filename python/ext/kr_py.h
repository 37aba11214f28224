/*
 * kring._kring: the CPython extension behind `import kring`.
 *
 * It sees only the public C API (kring.h). A Producer owns one kr_producer_t and must be
 * used from the thread that created it, as in C. The engine's delivery callback runs
 * inside kr_poll()/kr_flush() while the GIL is released, so it touches no Python object:
 * it copies each report into a plain C queue (kr_py_drq_t), and the queue is dispatched
 * to Python callbacks once the GIL is held again (kr_py_report.c).
 */
#ifndef KR_PY_H
#define KR_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

#include "kring.h"

/* One delivery report, copied out of the engine's callback. */
typedef struct kr_py_dr {
    void *opaque; /* NULL, a per-record tuple, or a tagged batch slot (kr_py_report.c) */
    int64_t offset;
    int64_t timestamp;
    int32_t partition;
    int err;
    int16_t broker_error;
} kr_py_dr_t;

/* Reports waiting for the GIL; grown with realloc, never shrunk. */
typedef struct kr_py_drq {
    kr_py_dr_t *v;
    size_t cnt;
    size_t cap;
    size_t lost; /* reports dropped because the queue could not grow (out of memory) */
} kr_py_drq_t;

/* Kafka error codes whose names are kept (broker_error + 1 indexes the table). */
#define KR_PY_BNAMES 160
#define KR_PY_BNAME_LEN 48

typedef struct kr_py_producer {
    PyObject_HEAD
    kr_producer_t *p;
    PyObject *default_cb; /* on_delivery from the configuration, or NULL */
    unsigned long owner;  /* thread that created the producer */
    int busy;             /* inside dispatch: poll/flush/produce_batch are refused */
    kr_py_drq_t q;
    uint64_t produced;  /* records queued by produce()/produce_batch() */
    uint64_t reported;  /* delivery reports the engine has handed back */
    uint64_t delivered; /* ... of them acknowledged */
    uint64_t failed;    /* ... of them failed */
    /* Failures without a callback, raised by the next poll()/flush(). */
    uint64_t unseen_failed;
    int unseen_err;
    int16_t unseen_broker_error;
    char bnames[KR_PY_BNAMES][KR_PY_BNAME_LEN];
} kr_py_producer_t;

/* Module state shared by the files (set up in kr_py_module.c). */
extern PyObject *kr_py_KafkaError;      /* kring._errors.KafkaError */
extern PyObject *kr_py_QueueFullError;  /* kring._errors.QueueFullError (a BufferError) */
extern PyTypeObject kr_py_ProducerType;
extern PyTypeObject kr_py_MessageType;

/* Interned keyword names. */
extern PyObject *kr_py_s_key, *kr_py_s_value, *kr_py_s_partition, *kr_py_s_headers,
    *kr_py_s_timestamp, *kr_py_s_on_delivery, *kr_py_s_callback, *kr_py_s_topic,
    *kr_py_s_keys, *kr_py_s_delimiter;

/* kr_py_module.c */

/* A new KafkaError(name, code, message) instance; NULL with an exception set. */
PyObject *kr_py_error_new(const char *name, int code, const char *message);

/* Raises KafkaError (QueueFullError for KR_EQUEUEFULL) for a kring return code. */
void kr_py_raise(int rc, const char *what);

/*
 * Borrows the bytes of a key, value or header: None gives NULL, str its UTF-8, bytes
 * its contents, anything else with the buffer protocol its buffer (then *view is held
 * and must be released with PyBuffer_Release). Returns 0, or -1 with TypeError set.
 */
int kr_py_bytes(PyObject *o, const void **ptr, size_t *len, Py_buffer *view, int *held);

/* kr_py_report.c */

/* The engine's delivery callback (ctx is the kr_py_producer_t). No Python inside. */
void kr_py_on_delivery(const kr_delivery_t *d, void *ctx);

/*
 * Hands queued reports to Python (GIL held): per-record callbacks, bulk callbacks of
 * produce_batch() calls, or counters. Returns 0, or -1 with the exception a callback
 * raised (the reports after it stay queued for the next dispatch).
 */
int kr_py_dispatch(kr_py_producer_t *self);

/* Raises KafkaError for failures nobody had a callback for; returns -1 then, else 0. */
int kr_py_raise_unseen(kr_py_producer_t *self);

/* Drops every queued report and the references it holds (dealloc), without calls. */
void kr_py_drq_clear(kr_py_producer_t *self);

/* Opaque of a produce_batch() record with a bulk callback; NULL when out of memory. */
void *kr_py_batch_new(PyObject *cb, PyObject *topic, size_t n);

/* Opaque for record i of that batch. */
void *kr_py_batch_opaque(void *batch, size_t i);

/* Frees a batch whose last n records were never queued (produce_batch stopped early). */
void kr_py_batch_unused(void *batch, size_t n);

/* kr_py_message.c */

/* A Message for a delivery report; steals nothing. NULL with an exception set. */
PyObject *kr_py_message_new(PyObject *topic, PyObject *key, PyObject *value,
                            const kr_py_dr_t *dr, PyObject *error);

/* The error object of a report: None, or a KafkaError (new reference). */
PyObject *kr_py_report_error(kr_py_producer_t *self, const kr_py_dr_t *dr);

/* kr_py_producer.c */

/* Checks the calling thread and reentrancy; -1 with RuntimeError set when refused. */
int kr_py_check_thread(kr_py_producer_t *self, int driving);

/* kr_py_batch.c */
PyObject *kr_py_produce_batch(kr_py_producer_t *self, PyObject *const *args,
                              Py_ssize_t nargs, PyObject *kwnames);

#endif
