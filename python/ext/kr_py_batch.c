/*
 * Producer.produce_batch(): many records in one call. The records are taken in chunks:
 * the chunk's pointers are gathered (with the GIL for a list, without it for a
 * delimited buffer), then queued with the GIL released, driving kr_poll() whenever
 * buffer.memory is full. Between chunks, reports are dispatched and signals checked.
 */
#include "kr_py.h"

#include <string.h>
#include <time.h>

#define KR_PY_CHUNK 2048
/* How long one chunk may wait for buffer memory before signals are checked. */
#define KR_PY_FULL_WAIT_MS 100

/* Where a batch's keys or values come from. */
typedef struct {
    PyObject *seq;     /* a list or tuple (PySequence_Fast), or NULL */
    Py_buffer view;    /* or a buffer of delimited records */
    int held;
    size_t pos;        /* next byte of the buffer */
    size_t n;          /* records */
} kr_py_src_t;

typedef struct {
    kr_py_src_t values, keys;
    int has_keys;
    const char *delim;
    size_t delim_len;
    kr_record_t rec;
    void *batch;       /* kr_py_batch_new() when there is a callback */
    PyObject *items[2 * KR_PY_CHUNK]; /* references held while the GIL is released */
    size_t item_cnt;
    const void *vp[KR_PY_CHUNK], *kp[KR_PY_CHUNK];
    size_t vl[KR_PY_CHUNK], kl[KR_PY_CHUNK];
} kr_py_bjob_t;

static size_t count_records(const char *b, size_t len, const char *d, size_t dl)
{
    size_t n = 0, pos = 0;
    while (pos < len) {
        const char *e = memmem(b + pos, len - pos, d, dl);
        n++;
        if (e == NULL)
            break;
        pos = (size_t)(e - b) + dl;
    }
    return n;
}

static int src_open(kr_py_src_t *s, PyObject *o, const char *d, size_t dl, const char *what)
{
    memset(s, 0, sizeof(*s));
    if (PyList_Check(o) || PyTuple_Check(o)) {
        s->seq = Py_NewRef(o);
        s->n = (size_t)PySequence_Fast_GET_SIZE(o);
        return 0;
    }
    if (PyObject_CheckBuffer(o)) {
        if (PyObject_GetBuffer(o, &s->view, PyBUF_SIMPLE) != 0)
            return -1;
        s->held = 1;
        s->n = count_records(s->view.buf, (size_t)s->view.len, d, dl);
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "%s: expected a list, a tuple or a bytes-like buffer, "
                 "not %.80s", what, Py_TYPE(o)->tp_name);
    return -1;
}

static void src_close(kr_py_src_t *s)
{
    Py_CLEAR(s->seq);
    if (s->held)
        PyBuffer_Release(&s->view);
    s->held = 0;
}

/* The next m records of a buffer source (no GIL needed). */
static void src_split(kr_py_src_t *s, const kr_py_bjob_t *j, size_t m, const void **p,
                      size_t *l)
{
    const char *b = s->view.buf;
    size_t len = (size_t)s->view.len;
    for (size_t i = 0; i < m; i++) {
        const char *e = memmem(b + s->pos, len - s->pos, j->delim, j->delim_len);
        size_t end = e ? (size_t)(e - b) : len;
        p[i] = b + s->pos;
        l[i] = end - s->pos;
        s->pos = e ? end + j->delim_len : len;
    }
}

/* Records first..first+m of a list source, holding a reference to each (GIL held). */
static int src_take(kr_py_src_t *s, kr_py_bjob_t *j, size_t first, size_t m,
                    const void **p, size_t *l)
{
    for (size_t i = 0; i < m; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(s->seq, (Py_ssize_t)(first + i));
        Py_buffer unused;
        int held;
        if (!(o == Py_None || PyBytes_CheckExact(o) || PyUnicode_Check(o))) {
            PyErr_Format(PyExc_TypeError, "produce_batch: record %zu: expected bytes, str "
                         "or None, not %.80s", first + i, Py_TYPE(o)->tp_name);
            return -1;
        }
        if (kr_py_bytes(o, &p[i], &l[i], &unused, &held) != 0)
            return -1;
        j->items[j->item_cnt++] = Py_NewRef(o);
    }
    return 0;
}

static void release_items(kr_py_bjob_t *j)
{
    for (size_t i = 0; i < j->item_cnt; i++)
        Py_DECREF(j->items[i]);
    j->item_cnt = 0;
}

/*
 * Queues m gathered records starting at batch index first (GIL released). Returns the
 * count queued; *rc is 0, the error that stopped it, or KR_EQUEUEFULL when the buffer
 * stayed full for KR_PY_FULL_WAIT_MS.
 */
static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t queue_chunk(kr_producer_t *p, kr_py_bjob_t *j, size_t first, size_t m, int *rc)
{
    int64_t full_since = -1;
    for (size_t i = 0; i < m; i++) {
        j->rec.value = j->vp[i];
        j->rec.value_len = j->vl[i];
        j->rec.key = j->has_keys ? j->kp[i] : NULL;
        j->rec.key_len = j->has_keys ? j->kl[i] : 0;
        j->rec.opaque = j->batch ? kr_py_batch_opaque(j->batch, first + i) : NULL;
        int err;
        while ((err = kr_produce(p, &j->rec)) == KR_EQUEUEFULL) {
            int64_t now = mono_ms();
            if (full_since < 0)
                full_since = now;
            if (now - full_since >= KR_PY_FULL_WAIT_MS) {
                *rc = KR_EQUEUEFULL;
                return i;
            }
            int n = kr_poll(p, 10);
            if (n < 0) {
                *rc = n;
                return i;
            }
        }
        if (err != 0) {
            *rc = err;
            return i;
        }
    }
    *rc = 0;
    return m;
}

typedef struct {
    PyObject *topic, *values, *keys, *partition, *cb, *delim;
} batch_args_t;

static int parse_batch_args(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                            batch_args_t *a)
{
    *a = (batch_args_t){NULL, NULL, Py_None, Py_None, NULL, NULL};
    PyObject **pos[] = {&a->topic, &a->values, &a->keys};
    if (nargs > 3)
        goto usage;
    for (Py_ssize_t i = 0; i < nargs; i++)
        *pos[i] = args[i];
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; i++) {
        PyObject *n = PyTuple_GET_ITEM(kwnames, i), *v = args[nargs + i];
        if (PyUnicode_Compare(n, kr_py_s_topic) == 0)
            a->topic = v;
        else if (PyUnicode_CompareWithASCIIString(n, "values") == 0)
            a->values = v;
        else if (PyUnicode_Compare(n, kr_py_s_keys) == 0)
            a->keys = v;
        else if (PyUnicode_Compare(n, kr_py_s_partition) == 0)
            a->partition = v;
        else if (PyUnicode_Compare(n, kr_py_s_on_delivery) == 0 ||
                 PyUnicode_Compare(n, kr_py_s_callback) == 0)
            a->cb = v;
        else if (PyUnicode_Compare(n, kr_py_s_delimiter) == 0)
            a->delim = v;
        else
            return PyErr_Format(PyExc_TypeError, "produce_batch() got an unexpected "
                                "keyword argument '%U'", n), -1;
    }
    if (a->topic == NULL || a->values == NULL)
        goto usage;
    if (!PyUnicode_Check(a->topic)) {
        PyErr_SetString(PyExc_TypeError, "topic must be a str");
        return -1;
    }
    if (a->delim != NULL && (!PyBytes_Check(a->delim) || PyBytes_GET_SIZE(a->delim) == 0)) {
        PyErr_SetString(PyExc_ValueError, "delimiter must be non-empty bytes");
        return -1;
    }
    if (a->cb != NULL && a->cb != Py_None && !PyCallable_Check(a->cb)) {
        PyErr_SetString(PyExc_TypeError, "on_delivery must be callable");
        return -1;
    }
    return 0;
usage:
    PyErr_SetString(PyExc_TypeError, "produce_batch(topic, values, keys=None, *, "
                                     "partition=None, on_delivery=None, delimiter=b'\\n')");
    return -1;
}

/* Sets up the job's sources, record template and batch; -1 with an exception. */
static int job_open(kr_py_producer_t *self, kr_py_bjob_t *j, const batch_args_t *a)
{
    j->delim = a->delim ? PyBytes_AS_STRING(a->delim) : "\n";
    j->delim_len = a->delim ? (size_t)PyBytes_GET_SIZE(a->delim) : 1;
    if (src_open(&j->values, a->values, j->delim, j->delim_len, "values") != 0)
        return -1;
    j->has_keys = a->keys != Py_None;
    if (j->has_keys) {
        if (src_open(&j->keys, a->keys, j->delim, j->delim_len, "keys") != 0)
            return -1;
        if (j->keys.n != j->values.n) {
            PyErr_Format(PyExc_ValueError, "produce_batch: %zu keys for %zu values",
                         j->keys.n, j->values.n);
            return -1;
        }
    }
    j->rec.topic = PyUnicode_AsUTF8(a->topic);
    if (j->rec.topic == NULL)
        return -1;
    j->rec.partition = KR_PARTITION_ANY;
    j->rec.timestamp_ms = KR_TIMESTAMP_NOW;
    if (a->partition != Py_None) {
        long v = PyLong_AsLong(a->partition);
        if (v == -1 && PyErr_Occurred())
            return -1;
        j->rec.partition = v < 0 ? KR_PARTITION_ANY : (int32_t)v;
    }
    PyObject *cb = a->cb ? a->cb : self->default_cb;
    if (cb != NULL && cb != Py_None && j->values.n > 0) {
        j->batch = kr_py_batch_new(cb, a->topic, j->values.n);
        if (j->batch == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    return 0;
}

static void rewind_src(kr_py_src_t *s, const void *at)
{
    if (s->seq == NULL)
        s->pos = (size_t)((const char *)at - (const char *)s->view.buf);
}

/* Queues every record of the job; returns the count queued, *rc as queue_chunk's. */
static size_t job_run(kr_py_producer_t *self, kr_py_bjob_t *j, int *rc)
{
    size_t n = j->values.n, done = 0;
    *rc = 0;
    while (done < n) {
        size_t m = n - done < KR_PY_CHUNK ? n - done : KR_PY_CHUNK, got;
        if ((j->values.seq && src_take(&j->values, j, done, m, j->vp, j->vl) != 0) ||
            (j->has_keys && j->keys.seq && src_take(&j->keys, j, done, m, j->kp, j->kl))) {
            release_items(j);
            return done;
        }
        kr_producer_t *p = self->p;
        Py_BEGIN_ALLOW_THREADS
        if (j->values.seq == NULL)
            src_split(&j->values, j, m, j->vp, j->vl);
        if (j->has_keys && j->keys.seq == NULL)
            src_split(&j->keys, j, m, j->kp, j->kl);
        got = queue_chunk(p, j, done, m, rc);
        Py_END_ALLOW_THREADS
        release_items(j);
        if (got < m) {
            rewind_src(&j->values, j->vp[got]);
            if (j->has_keys)
                rewind_src(&j->keys, j->kp[got]);
        }
        done += got;
        self->produced += got;
        if (kr_py_dispatch(self) != 0 || PyErr_CheckSignals() != 0)
            return done;
        if (*rc != 0 && *rc != KR_EQUEUEFULL)
            return done;
        *rc = 0;
    }
    return done;
}

PyObject *kr_py_produce_batch(kr_py_producer_t *self, PyObject *const *args,
                              Py_ssize_t nargs, PyObject *kwnames)
{
    batch_args_t a;
    if (kr_py_check_thread(self, 1) != 0 || parse_batch_args(args, nargs, kwnames, &a) != 0)
        return NULL;
    kr_py_bjob_t *j = PyMem_Calloc(1, sizeof(*j));
    if (j == NULL)
        return PyErr_NoMemory();
    PyObject *ret = NULL;
    if (job_open(self, j, &a) == 0) {
        int rc;
        size_t done = job_run(self, j, &rc);
        if (j->batch != NULL && done < j->values.n)
            kr_py_batch_unused(j->batch, j->values.n - done);
        if (PyErr_Occurred()) {
            /* a Python error (a bad item, a callback, a signal) */
        } else if (rc != 0) {
            kr_py_raise(rc, "produce_batch");
            PyObject *et, *ev, *tb;
            PyErr_Fetch(&et, &ev, &tb);
            PyErr_NormalizeException(&et, &ev, &tb);
            PyObject *q = PyLong_FromSize_t(done);
            if (ev != NULL && q != NULL)
                PyObject_SetAttrString(ev, "queued", q);
            Py_XDECREF(q);
            PyErr_Restore(et, ev, tb);
        } else {
            ret = PyLong_FromSize_t(done);
        }
    } else if (j->batch != NULL) {
        kr_py_batch_unused(j->batch, j->values.n);
    }
    src_close(&j->values);
    src_close(&j->keys);
    PyMem_Free(j);
    return ret;
}
