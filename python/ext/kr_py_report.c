/*
 * Delivery reports: queued in C while the engine runs without the GIL, handed to Python
 * after.
 *
 * A record's opaque says where its report goes:
 *   NULL             nobody listens: the report is counted (failures are raised later)
 *   a tuple          produce(..., on_delivery=cb): (cb, topic, key, value); cb(err, msg)
 *   slot pointer | 1 produce_batch(..., on_delivery=cb): record i of a kr_py_batch_t; the
 *                    batch's reports of one dispatch go to cb(list) in one call
 */
#include "kr_py.h"

#include <stdlib.h>
#include <string.h>

typedef struct kr_py_batch {
    PyObject *cb;
    PyObject *topic;
    size_t n;
    size_t left;                /* records not reported yet */
    PyObject *pending;          /* this dispatch's report tuples, or NULL */
    struct kr_py_batch *next;   /* the dispatch's list of batches with reports */
    struct kr_py_batch *slot[]; /* slot[i] == this batch; (&slot[i] | 1) is an opaque */
} kr_py_batch_t;

void *kr_py_batch_new(PyObject *cb, PyObject *topic, size_t n)
{
    kr_py_batch_t *b = malloc(sizeof(*b) + n * sizeof(b->slot[0]));
    if (b == NULL)
        return NULL;
    Py_INCREF(cb);
    Py_INCREF(topic);
    b->cb = cb;
    b->topic = topic;
    b->n = n;
    b->left = n;
    b->pending = NULL;
    b->next = NULL;
    for (size_t i = 0; i < n; i++)
        b->slot[i] = b;
    return b;
}

void *kr_py_batch_opaque(void *batch, size_t i)
{
    kr_py_batch_t *b = batch;
    return (void *)((uintptr_t)&b->slot[i] | 1u);
}

static void batch_free(kr_py_batch_t *b)
{
    Py_DECREF(b->cb);
    Py_DECREF(b->topic);
    Py_XDECREF(b->pending);
    free(b);
}

void kr_py_batch_unused(void *batch, size_t n)
{
    kr_py_batch_t *b = batch;
    b->left -= n;
    if (b->left == 0 && b->pending == NULL)
        batch_free(b);
}

void kr_py_on_delivery(const kr_delivery_t *d, void *ctx)
{
    kr_py_producer_t *self = ctx;
    self->reported++;
    int16_t be = d->broker_error;
    if (be != 0 && be + 1 >= 0 && be + 1 < KR_PY_BNAMES && d->error_name != NULL &&
        self->bnames[be + 1][0] == '\0')
        snprintf(self->bnames[be + 1], KR_PY_BNAME_LEN, "%s", d->error_name);
    kr_py_drq_t *q = &self->q;
    if (q->cnt == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 4096;
        kr_py_dr_t *v = realloc(q->v, cap * sizeof(*v));
        if (v == NULL) {
            q->lost++;
            return;
        }
        q->v = v;
        q->cap = cap;
    }
    q->v[q->cnt++] = (kr_py_dr_t){
        .opaque = d->opaque,
        .offset = d->offset,
        .timestamp = d->timestamp,
        .partition = d->partition,
        .err = d->err,
        .broker_error = be,
    };
}

PyObject *kr_py_report_error(kr_py_producer_t *self, const kr_py_dr_t *dr)
{
    if (dr->err == 0)
        Py_RETURN_NONE;
    int16_t be = dr->broker_error;
    if (be != 0) {
        const char *name = "UNKNOWN_SERVER_ERROR";
        if (be + 1 >= 0 && be + 1 < KR_PY_BNAMES && self->bnames[be + 1][0] != '\0')
            name = self->bnames[be + 1];
        return kr_py_error_new(name, be, name);
    }
    return kr_py_error_new(kr_errname(dr->err), dr->err, kr_strerror(dr->err));
}

/* cb(err, msg) for one produce() record; consumes the record's tuple. */
static int call_single(kr_py_producer_t *self, PyObject *t, const kr_py_dr_t *dr)
{
    int rc = -1;
    PyObject *err = kr_py_report_error(self, dr);
    PyObject *msg = NULL;
    if (err != NULL)
        msg = kr_py_message_new(PyTuple_GET_ITEM(t, 1), PyTuple_GET_ITEM(t, 2),
                                PyTuple_GET_ITEM(t, 3), dr, err);
    if (msg != NULL) {
        PyObject *args[2] = {err, msg};
        PyObject *res = PyObject_Vectorcall(PyTuple_GET_ITEM(t, 0), args, 2, NULL);
        rc = res == NULL ? -1 : 0;
        Py_XDECREF(res);
    }
    Py_XDECREF(msg);
    Py_XDECREF(err);
    Py_DECREF(t);
    return rc;
}

/* Adds (index, partition, offset, err) to its batch's list for this dispatch. */
static int batch_add(kr_py_producer_t *self, kr_py_batch_t **touched, const kr_py_dr_t *dr)
{
    kr_py_batch_t **slot = (kr_py_batch_t **)((uintptr_t)dr->opaque & ~(uintptr_t)1);
    kr_py_batch_t *b = *slot;
    b->left--;
    if (b->pending == NULL) {
        b->pending = PyList_New(0);
        if (b->pending == NULL)
            return -1;
        b->next = *touched;
        *touched = b;
    }
    PyObject *err = kr_py_report_error(self, dr);
    if (err == NULL)
        return -1;
    PyObject *t = Py_BuildValue("(niLN)", (Py_ssize_t)(slot - b->slot), (int)dr->partition,
                                (long long)dr->offset, err);
    if (t == NULL)
        return -1;
    int rc = PyList_Append(b->pending, t);
    Py_DECREF(t);
    return rc;
}

/* Calls each touched batch's callback with its list; frees the finished batches. */
static int batch_flush(kr_py_batch_t *b, int rc)
{
    while (b != NULL) {
        kr_py_batch_t *next = b->next;
        PyObject *list = b->pending;
        b->pending = NULL;
        b->next = NULL;
        if (rc == 0) {
            PyObject *res = PyObject_CallOneArg(b->cb, list);
            rc = res == NULL ? -1 : 0;
            Py_XDECREF(res);
        }
        Py_DECREF(list);
        if (b->left == 0)
            batch_free(b);
        b = next;
    }
    return rc;
}

static void note_unseen(kr_py_producer_t *self, const kr_py_dr_t *dr)
{
    if (self->unseen_failed == 0) {
        self->unseen_err = dr->err;
        self->unseen_broker_error = dr->broker_error;
    }
    self->unseen_failed++;
}

int kr_py_dispatch(kr_py_producer_t *self)
{
    kr_py_drq_t *q = &self->q;
    if (q->cnt == 0)
        return 0;
    self->busy = 1;
    kr_py_batch_t *touched = NULL;
    int rc = 0;
    size_t i = 0;
    while (i < q->cnt && rc == 0) {
        kr_py_dr_t dr = q->v[i++];
        if (dr.err != 0)
            self->failed++;
        else
            self->delivered++;
        if (dr.opaque == NULL) {
            if (dr.err != 0)
                note_unseen(self, &dr);
        } else if ((uintptr_t)dr.opaque & 1u) {
            rc = batch_add(self, &touched, &dr);
        } else {
            rc = call_single(self, dr.opaque, &dr);
        }
    }
    /* After a callback raised, the rest waits for the next dispatch. */
    memmove(q->v, q->v + i, (q->cnt - i) * sizeof(q->v[0]));
    q->cnt -= i;
    rc = batch_flush(touched, rc);
    self->busy = 0;
    return rc;
}

int kr_py_raise_unseen(kr_py_producer_t *self)
{
    if (self->q.lost > 0) {
        self->q.lost = 0;
        PyErr_SetString(PyExc_MemoryError, "delivery reports lost: out of memory");
        return -1;
    }
    if (self->unseen_failed == 0)
        return 0;
    kr_py_dr_t dr = {.err = self->unseen_err, .broker_error = self->unseen_broker_error};
    PyObject *first = kr_py_report_error(self, &dr);
    if (first == NULL)
        return -1;
    PyObject *name = PyObject_CallMethod(first, "name", NULL);
    Py_DECREF(first);
    if (name == NULL)
        return -1;
    char msg[200];
    snprintf(msg, sizeof(msg), "%llu record(s) failed delivery (no on_delivery callback); "
             "the first with %s", (unsigned long long)self->unseen_failed,
             PyUnicode_AsUTF8(name));
    int code = dr.broker_error != 0 ? dr.broker_error : dr.err;
    PyObject *e = kr_py_error_new(PyUnicode_AsUTF8(name), code, msg);
    Py_DECREF(name);
    self->unseen_failed = 0;
    if (e == NULL)
        return -1;
    PyErr_SetObject(kr_py_KafkaError, e);
    Py_DECREF(e);
    return -1;
}

void kr_py_drq_clear(kr_py_producer_t *self)
{
    kr_py_drq_t *q = &self->q;
    for (size_t i = 0; i < q->cnt; i++) {
        void *o = q->v[i].opaque;
        if (o == NULL)
            continue;
        if ((uintptr_t)o & 1u)
            kr_py_batch_unused(*(kr_py_batch_t **)((uintptr_t)o & ~(uintptr_t)1), 1);
        else
            Py_DECREF((PyObject *)o);
    }
    q->cnt = 0;
    free(q->v);
    q->v = NULL;
    q->cap = 0;
}
