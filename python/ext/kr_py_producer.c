/*
 * kring._kring.Producer: one kr_producer_t, driven from the thread that created it.
 *
 * produce() copies a record into the engine and never blocks, so it keeps the GIL.
 * poll(), flush() and close() release it while the engine runs, in slices of at most
 * KR_PY_SLICE_MS so that a signal (Ctrl-C) is seen between slices.
 */
#include "kr_py.h"

#include <string.h>
#include <time.h>

#define KR_PY_SLICE_MS 100

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Seconds (float, None or negative: no limit) to milliseconds (-1: no limit). */
static int timeout_ms(PyObject *o, int64_t *out)
{
    if (o == NULL || o == Py_None) {
        *out = -1;
        return 0;
    }
    double s = PyFloat_AsDouble(o);
    if (s == -1.0 && PyErr_Occurred())
        return -1;
    *out = s < 0 ? -1 : (int64_t)(s * 1000.0 + 0.5);
    return 0;
}

int kr_py_check_thread(kr_py_producer_t *self, int driving)
{
    if (self->p == NULL) {
        kr_py_raise(KR_ESTATE, "the producer is closed");
        return -1;
    }
    if (PyThread_get_thread_ident() != self->owner) {
        PyErr_SetString(PyExc_RuntimeError, "a kring.Producer belongs to the thread that "
                                            "created it: use one producer per thread");
        return -1;
    }
    if (driving && self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "poll(), flush(), produce_batch() and close() "
                                            "cannot be called from a delivery callback");
        return -1;
    }
    return 0;
}

static PyObject *producer_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    kr_py_producer_t *self = (kr_py_producer_t *)type->tp_alloc(type, 0);
    if (self != NULL)
        self->owner = PyThread_get_thread_ident();
    return (PyObject *)self;
}

/* One setting: str as is, bool as true/false, int (and anything else) through str(). */
static int conf_set_one(kr_conf_t *conf, PyObject *k, PyObject *v)
{
    if (!PyUnicode_Check(k)) {
        PyErr_SetString(PyExc_TypeError, "setting names must be str");
        return -1;
    }
    PyObject *s;
    if (PyBool_Check(v))
        s = PyUnicode_FromString(v == Py_True ? "true" : "false");
    else if (PyUnicode_Check(v) || PyLong_Check(v) || PyFloat_Check(v))
        s = PyObject_Str(v);
    else
        return PyErr_Format(PyExc_TypeError, "setting %U: expected str, int or bool, not "
                            "%.80s", k, Py_TYPE(v)->tp_name), -1;
    if (s == NULL)
        return -1;
    char errstr[512];
    const char *key = PyUnicode_AsUTF8(k), *val = PyUnicode_AsUTF8(s);
    int rc = key && val ? kr_conf_set(conf, key, val, errstr, sizeof(errstr)) : -1;
    Py_DECREF(s);
    if (rc == -1 && PyErr_Occurred())
        return -1;
    if (rc != 0) {
        kr_py_raise(rc, errstr);
        return -1;
    }
    return 0;
}

static int conf_apply(kr_py_producer_t *self, kr_conf_t *conf, PyObject *settings)
{
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(settings, &pos, &k, &v)) {
        if (PyUnicode_Check(k) && (PyUnicode_Compare(k, kr_py_s_on_delivery) == 0 ||
                                   PyUnicode_CompareWithASCIIString(k, "callback") == 0)) {
            if (v != Py_None && !PyCallable_Check(v)) {
                PyErr_SetString(PyExc_TypeError, "on_delivery must be callable");
                return -1;
            }
            Py_XDECREF(self->default_cb);
            self->default_cb = v == Py_None ? NULL : Py_NewRef(v);
            continue;
        }
        if (conf_set_one(conf, k, v) != 0)
            return -1;
    }
    return 0;
}

/* Producer(config: dict = None, **settings) */
static int producer_init(PyObject *o, PyObject *args, PyObject *kwds)
{
    kr_py_producer_t *self = (kr_py_producer_t *)o;
    PyObject *config = NULL;
    if (self->p != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Producer.__init__ called twice");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "|O!:Producer", &PyDict_Type, &config))
        return -1;
    kr_conf_t *conf = kr_conf_new();
    if (conf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int rc = 0;
    if (config != NULL)
        rc = conf_apply(self, conf, config);
    if (rc == 0 && kwds != NULL)
        rc = conf_apply(self, conf, kwds);
    if (rc != 0) {
        kr_conf_destroy(conf);
        return -1;
    }
    kr_conf_set_delivery_cb(conf, kr_py_on_delivery, self);
    char errstr[512] = "";
    kr_producer_t *p = NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = kr_producer_new(&p, conf, errstr, sizeof(errstr));
    Py_END_ALLOW_THREADS
    kr_conf_destroy(conf);
    if (rc != 0) {
        kr_py_raise(rc, errstr);
        return -1;
    }
    self->p = p;
    self->owner = PyThread_get_thread_ident();
    return 0;
}

static void producer_dealloc(PyObject *o)
{
    kr_py_producer_t *self = (kr_py_producer_t *)o;
    if (self->p != NULL) {
        kr_producer_t *p = self->p;
        self->p = NULL;
        Py_BEGIN_ALLOW_THREADS
        kr_producer_close(p, 0);
        Py_END_ALLOW_THREADS
    }
    kr_py_drq_clear(self);
    Py_CLEAR(self->default_cb);
    Py_TYPE(o)->tp_free(o);
}

static int kw_is(PyObject *name, PyObject *interned)
{
    return name == interned || PyUnicode_Compare(name, interned) == 0;
}

/* Fills hdrs from a list of (key, value) pairs or a dict; returns the count or -1. */
static Py_ssize_t parse_headers(PyObject *h, kr_header_t *hdrs, PyObject **keep)
{
    *keep = NULL;
    if (h == Py_None)
        return 0;
    PyObject *seq = PyDict_Check(h) ? PyDict_Items(h) : PySequence_Fast(h, "headers: "
                                                         "expected a list of pairs or a dict");
    if (seq == NULL)
        return -1;
    *keep = seq;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > KR_HEADERS_MAX) {
        kr_py_raise(KR_ERANGE, "more than 64 headers");
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "headers: each header is a (key, value) pair");
            return -1;
        }
        PyObject *k = PyTuple_GET_ITEM(pair, 0), *v = PyTuple_GET_ITEM(pair, 1);
        if (!(PyUnicode_Check(k) || PyBytes_Check(k)) ||
            !(v == Py_None || PyUnicode_Check(v) || PyBytes_Check(v))) {
            PyErr_SetString(PyExc_TypeError, "headers: key str or bytes, value str, bytes "
                                             "or None");
            return -1;
        }
        Py_buffer unused;
        int held;
        const void *kp;
        if (kr_py_bytes(k, &kp, &hdrs[i].key_len, &unused, &held) != 0 ||
            kr_py_bytes(v, &hdrs[i].value, &hdrs[i].value_len, &unused, &held) != 0)
            return -1;
        hdrs[i].key = kp;
    }
    return n;
}

typedef struct {
    PyObject *topic, *value, *key, *partition, *headers, *timestamp, *cb;
} produce_args_t;

static int parse_produce_args(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                              produce_args_t *a)
{
    *a = (produce_args_t){NULL, Py_None, Py_None, Py_None, Py_None, Py_None, NULL};
    if (nargs < 1 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError, "produce(topic, value=None, key=None, *, "
                                         "partition, headers, timestamp, on_delivery)");
        return -1;
    }
    a->topic = args[0];
    if (nargs > 1)
        a->value = args[1];
    if (nargs > 2)
        a->key = args[2];
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; i++) {
        PyObject *n = PyTuple_GET_ITEM(kwnames, i), *v = args[nargs + i];
        if (kw_is(n, kr_py_s_key))
            a->key = v;
        else if (kw_is(n, kr_py_s_value))
            a->value = v;
        else if (kw_is(n, kr_py_s_partition))
            a->partition = v;
        else if (kw_is(n, kr_py_s_on_delivery) || kw_is(n, kr_py_s_callback))
            a->cb = v;
        else if (kw_is(n, kr_py_s_headers))
            a->headers = v;
        else if (kw_is(n, kr_py_s_timestamp))
            a->timestamp = v;
        else if (kw_is(n, kr_py_s_topic))
            a->topic = v;
        else
            return PyErr_Format(PyExc_TypeError, "produce() got an unexpected keyword "
                                "argument '%U'", n), -1;
    }
    if (!PyUnicode_Check(a->topic)) {
        PyErr_SetString(PyExc_TypeError, "topic must be a str");
        return -1;
    }
    return 0;
}

/* Fills the record's partition and timestamp; -1 with an exception. */
static int record_numbers(const produce_args_t *a, kr_record_t *rec)
{
    rec->partition = KR_PARTITION_ANY;
    rec->timestamp_ms = KR_TIMESTAMP_NOW;
    if (a->partition != Py_None) {
        long v = PyLong_AsLong(a->partition);
        if (v == -1 && PyErr_Occurred())
            return -1;
        if (v < -1 || v > INT32_MAX)
            return kr_py_raise(KR_EUNKNOWNPART, "partition"), -1;
        rec->partition = (int32_t)v;
    }
    if (a->timestamp != Py_None) {
        long long v = PyLong_AsLongLong(a->timestamp);
        if (v == -1 && PyErr_Occurred())
            return -1;
        rec->timestamp_ms = v <= 0 ? KR_TIMESTAMP_NOW : (int64_t)v;
    }
    return 0;
}

static PyObject *producer_produce(PyObject *o, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kwnames)
{
    kr_py_producer_t *self = (kr_py_producer_t *)o;
    produce_args_t a;
    if (kr_py_check_thread(self, 0) != 0 || parse_produce_args(args, nargs, kwnames, &a) != 0)
        return NULL;
    kr_record_t rec = {.topic = PyUnicode_AsUTF8(a.topic)};
    kr_header_t hdrs[KR_HEADERS_MAX];
    PyObject *keep = NULL, *opaque = NULL;
    Py_buffer kview, vview;
    int kheld = 0, vheld = 0, rc = -1;
    if (rec.topic == NULL || record_numbers(&a, &rec) != 0 ||
        kr_py_bytes(a.key, &rec.key, &rec.key_len, &kview, &kheld) != 0 ||
        kr_py_bytes(a.value, &rec.value, &rec.value_len, &vview, &vheld) != 0)
        goto out;
    Py_ssize_t hn = parse_headers(a.headers, hdrs, &keep);
    if (hn < 0)
        goto out;
    rec.headers = hdrs;
    rec.header_cnt = (size_t)hn;
    PyObject *cb = a.cb ? a.cb : self->default_cb;
    if (cb != NULL && cb != Py_None) {
        if (!PyCallable_Check(cb)) {
            PyErr_SetString(PyExc_TypeError, "on_delivery must be callable");
            goto out;
        }
        opaque = PyTuple_Pack(4, cb, a.topic, a.key, a.value);
        if (opaque == NULL)
            goto out;
    }
    rec.opaque = opaque;
    int err = kr_produce(self->p, &rec);
    if (err != 0) {
        Py_CLEAR(opaque);
        kr_py_raise(err, NULL);
        goto out;
    }
    self->produced++;
    rc = 0;
out:
    if (kheld)
        PyBuffer_Release(&kview);
    if (vheld)
        PyBuffer_Release(&vview);
    Py_XDECREF(keep);
    if (rc != 0)
        return NULL;
    Py_RETURN_NONE;
}

enum drive_mode { DRIVE_POLL, DRIVE_FLUSH };

/*
 * Runs kr_poll or kr_flush for up to tmo ms (-1: no limit) in slices, dispatching reports
 * and checking signals between slices. Returns reports served (poll), records still
 * waiting (flush), or -1 with an exception.
 */
static long long drive(kr_py_producer_t *self, enum drive_mode mode, int64_t tmo)
{
    int64_t until = tmo < 0 ? INT64_MAX : now_ms() + tmo;
    long long served = 0;
    for (;;) {
        int64_t left = tmo < 0 ? KR_PY_SLICE_MS : until - now_ms();
        int slice = left < 0 ? 0 : (int)(left < KR_PY_SLICE_MS ? left : KR_PY_SLICE_MS);
        int rc;
        kr_producer_t *p = self->p;
        Py_BEGIN_ALLOW_THREADS
        rc = mode == DRIVE_POLL ? kr_poll(p, slice) : kr_flush(p, slice);
        Py_END_ALLOW_THREADS
        if (kr_py_dispatch(self) != 0 || PyErr_CheckSignals() != 0)
            return -1;
        if (mode == DRIVE_POLL) {
            if (rc < 0)
                return kr_py_raise(rc, "poll"), -1;
            served += rc;
            if (rc > 0 || now_ms() >= until)
                return served;
        } else {
            if (rc != 0 && rc != KR_ETIMEDOUT)
                return kr_py_raise(rc, "flush"), -1;
            if (rc == 0 || now_ms() >= until)
                return (long long)(self->produced - self->reported);
        }
    }
}

static PyObject *drive_method(PyObject *o, PyObject *args, PyObject *kwds,
                              enum drive_mode mode)
{
    static char *kwlist[] = {"timeout", NULL};
    kr_py_producer_t *self = (kr_py_producer_t *)o;
    PyObject *t = NULL;
    int64_t tmo;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O", kwlist, &t) || timeout_ms(t, &tmo) ||
        kr_py_check_thread(self, 1) != 0)
        return NULL;
    long long n = drive(self, mode, tmo);
    if (n < 0 || kr_py_raise_unseen(self) != 0)
        return NULL;
    return PyLong_FromLongLong(n);
}

static PyObject *producer_poll(PyObject *o, PyObject *args, PyObject *kwds)
{
    return drive_method(o, args, kwds, DRIVE_POLL);
}

static PyObject *producer_flush(PyObject *o, PyObject *args, PyObject *kwds)
{
    return drive_method(o, args, kwds, DRIVE_FLUSH);
}

/* close(timeout=None): flush for up to timeout, fail the rest, free the producer. */
static PyObject *producer_close(PyObject *o, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"timeout", NULL};
    kr_py_producer_t *self = (kr_py_producer_t *)o;
    PyObject *t = NULL;
    int64_t tmo;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O", kwlist, &t) || timeout_ms(t, &tmo))
        return NULL;
    if (self->p == NULL)
        Py_RETURN_NONE;
    if (kr_py_check_thread(self, 1) != 0)
        return NULL;
    long long n = drive(self, DRIVE_FLUSH, tmo);
    /* Even when flush was interrupted, the producer goes: what is left fails. */
    kr_producer_t *p = self->p;
    self->p = NULL;
    Py_BEGIN_ALLOW_THREADS
    kr_producer_close(p, 0);
    Py_END_ALLOW_THREADS
    if (n < 0) {
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        if (kr_py_dispatch(self) != 0)
            PyErr_Clear();
        kr_py_drq_clear(self);
        PyErr_Restore(et, ev, tb);
        return NULL;
    }
    int rc = kr_py_dispatch(self);
    kr_py_drq_clear(self);
    if (rc != 0 || kr_py_raise_unseen(self) != 0)
        return NULL;
    Py_RETURN_NONE;
}

static Py_ssize_t producer_len(PyObject *o)
{
    kr_py_producer_t *self = (kr_py_producer_t *)o;
    return (Py_ssize_t)(self->produced - self->reported);
}

static int add_u64(PyObject *d, const char *k, unsigned long long v)
{
    PyObject *x = PyLong_FromUnsignedLongLong(v);
    int rc = x ? PyDict_SetItemString(d, k, x) : -1;
    Py_XDECREF(x);
    return rc;
}

/* stats() -> dict: the engine's kr_stats counters and the module's report counts. */
static PyObject *producer_stats(PyObject *o, PyObject *unused)
{
    kr_py_producer_t *self = (kr_py_producer_t *)o;
    if (kr_py_check_thread(self, 0) != 0)
        return NULL;
    kr_stats_t s;
    kr_stats(self->p, &s);
    PyObject *d = PyDict_New();
    if (d == NULL)
        return NULL;
    if (add_u64(d, "records_queued", s.records_queued) || add_u64(d, "bytes_queued",
        s.bytes_queued) || add_u64(d, "records_sent", s.records_sent) ||
        add_u64(d, "bytes_sent", s.bytes_sent) || add_u64(d, "records_acked",
        s.records_acked) || add_u64(d, "records_failed", s.records_failed) ||
        add_u64(d, "retries", s.retries) || add_u64(d, "requests_sent", s.requests_sent) ||
        add_u64(d, "buffer_bytes_used", s.buffer_bytes_used) ||
        add_u64(d, "buffer_bytes_max", s.buffer_bytes_max) ||
        add_u64(d, "delivered", self->delivered) || add_u64(d, "failed", self->failed)) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

static PyMethodDef producer_methods[] = {
    {"produce", (PyCFunction)(void (*)(void))producer_produce, METH_FASTCALL | METH_KEYWORDS,
     "produce(topic, value=None, key=None, *, partition=None, headers=None, "
     "timestamp=None, on_delivery=None)\n\nQueues one record; never blocks. Raises "
     "BufferError (kring.QueueFullError) when buffer.memory is in use: poll() and retry."},
    {"produce_batch", (PyCFunction)(void (*)(void))kr_py_produce_batch,
     METH_FASTCALL | METH_KEYWORDS,
     "produce_batch(topic, values, keys=None, *, partition=None, on_delivery=None, "
     "delimiter=b'\\n') -> int\n\nQueues many records in one call, polling while the "
     "buffer is full. values: a list of bytes/str, or one bytes-like buffer of records "
     "separated by delimiter. on_delivery(reports) gets lists of (index, partition, "
     "offset, error) tuples."},
    {"poll", (PyCFunction)(void (*)(void))producer_poll, METH_VARARGS | METH_KEYWORDS,
     "poll(timeout=None) -> int\n\nDrives I/O and serves delivery reports; waits up to "
     "timeout seconds (None: until one is served). Returns the reports served."},
    {"flush", (PyCFunction)(void (*)(void))producer_flush, METH_VARARGS | METH_KEYWORDS,
     "flush(timeout=None) -> int\n\nSends everything and waits for every delivery report, "
     "or timeout seconds. Returns the records still waiting."},
    {"close", (PyCFunction)(void (*)(void))producer_close, METH_VARARGS | METH_KEYWORDS,
     "close(timeout=None)\n\nFlushes for up to timeout seconds, fails what is left, and "
     "frees the producer."},
    {"stats", producer_stats, METH_NOARGS, "stats() -> dict of counters."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods producer_seq = {.sq_length = producer_len};

PyTypeObject kr_py_ProducerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "kring._kring.Producer",
    .tp_basicsize = sizeof(kr_py_producer_t),
    .tp_dealloc = producer_dealloc,
    .tp_as_sequence = &producer_seq,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Producer(config: dict = None, **settings): a Kafka producer (kring.h).",
    .tp_methods = producer_methods,
    .tp_init = producer_init,
    .tp_new = producer_new,
};
