/*
 * kring.Message: what a per-record delivery callback gets, with confluent-kafka's
 * accessor methods (topic(), partition(), offset(), key(), value(), timestamp(),
 * error()).
 */
#include "kr_py.h"

typedef struct {
    PyObject_HEAD
    PyObject *topic;
    PyObject *key;
    PyObject *value;
    PyObject *error;
    int64_t offset;
    int64_t timestamp;
    int32_t partition;
} kr_py_message_t;

/* confluent-kafka's TIMESTAMP_CREATE_TIME */
#define KR_PY_TIMESTAMP_CREATE_TIME 1

PyObject *kr_py_message_new(PyObject *topic, PyObject *key, PyObject *value,
                            const kr_py_dr_t *dr, PyObject *error)
{
    kr_py_message_t *m = PyObject_New(kr_py_message_t, &kr_py_MessageType);
    if (m == NULL)
        return NULL;
    Py_INCREF(topic);
    Py_INCREF(key);
    Py_INCREF(value);
    Py_INCREF(error);
    m->topic = topic;
    m->key = key;
    m->value = value;
    m->error = error;
    m->offset = dr->offset;
    m->timestamp = dr->timestamp;
    m->partition = dr->partition;
    return (PyObject *)m;
}

static void message_dealloc(PyObject *o)
{
    kr_py_message_t *m = (kr_py_message_t *)o;
    Py_DECREF(m->topic);
    Py_DECREF(m->key);
    Py_DECREF(m->value);
    Py_DECREF(m->error);
    PyObject_Free(o);
}

#define KR_PY_GETTER_(field)                                                               \
    static PyObject *message_##field(PyObject *o, PyObject *unused)                        \
    {                                                                                      \
        PyObject *v = ((kr_py_message_t *)o)->field;                                       \
        Py_INCREF(v);                                                                      \
        return v;                                                                          \
    }
KR_PY_GETTER_(topic)
KR_PY_GETTER_(key)
KR_PY_GETTER_(value)
KR_PY_GETTER_(error)
#undef KR_PY_GETTER_

static PyObject *message_partition(PyObject *o, PyObject *unused)
{
    return PyLong_FromLong(((kr_py_message_t *)o)->partition);
}

static PyObject *message_offset(PyObject *o, PyObject *unused)
{
    return PyLong_FromLongLong(((kr_py_message_t *)o)->offset);
}

static PyObject *message_timestamp(PyObject *o, PyObject *unused)
{
    return Py_BuildValue("(iL)", KR_PY_TIMESTAMP_CREATE_TIME,
                         (long long)((kr_py_message_t *)o)->timestamp);
}

static PyObject *message_repr(PyObject *o)
{
    kr_py_message_t *m = (kr_py_message_t *)o;
    return PyUnicode_FromFormat("<kring.Message %S [%d] @%lld err=%R>", m->topic,
                                (int)m->partition, (long long)m->offset, m->error);
}

static PyMethodDef message_methods[] = {
    {"topic", message_topic, METH_NOARGS, "The record's topic."},
    {"partition", message_partition, METH_NOARGS, "The partition it went to."},
    {"offset", message_offset, METH_NOARGS, "Its offset, or -1 when not acknowledged."},
    {"key", message_key, METH_NOARGS, "The key as passed to produce()."},
    {"value", message_value, METH_NOARGS, "The value as passed to produce()."},
    {"timestamp", message_timestamp, METH_NOARGS, "(TIMESTAMP_CREATE_TIME, ms)."},
    {"error", message_error, METH_NOARGS, "None, or the KafkaError it failed with."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject kr_py_MessageType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "kring.Message",
    .tp_basicsize = sizeof(kr_py_message_t),
    .tp_dealloc = message_dealloc,
    .tp_repr = message_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A delivered (or failed) record, as a delivery callback sees it.",
    .tp_methods = message_methods,
};
