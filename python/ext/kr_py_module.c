/*
 * kring._kring's module: its types, the error classes it raises (defined in Python, in
 * kring/_errors.py) and the conversions every file shares.
 */
#include "kr_py.h"

#include <string.h>

PyObject *kr_py_KafkaError;
PyObject *kr_py_QueueFullError;
PyObject *kr_py_s_key, *kr_py_s_value, *kr_py_s_partition, *kr_py_s_headers,
    *kr_py_s_timestamp, *kr_py_s_on_delivery, *kr_py_s_callback, *kr_py_s_topic,
    *kr_py_s_keys, *kr_py_s_delimiter;

PyObject *kr_py_error_new(const char *name, int code, const char *message)
{
    return PyObject_CallFunction(kr_py_KafkaError, "sis", name, code, message);
}

void kr_py_raise(int rc, const char *what)
{
    char msg[256];
    if (what != NULL && what[0] != '\0')
        snprintf(msg, sizeof(msg), "%s: %s", what, kr_strerror(rc));
    else
        snprintf(msg, sizeof(msg), "%s", kr_strerror(rc));
    PyObject *cls = rc == KR_EQUEUEFULL ? kr_py_QueueFullError : kr_py_KafkaError;
    PyObject *e = PyObject_CallFunction(cls, "sis", kr_errname(rc), rc, msg);
    if (e == NULL)
        return;
    PyErr_SetObject(cls, e);
    Py_DECREF(e);
}

int kr_py_bytes(PyObject *o, const void **ptr, size_t *len, Py_buffer *view, int *held)
{
    *held = 0;
    if (o == Py_None) {
        *ptr = NULL;
        *len = 0;
        return 0;
    }
    if (PyBytes_CheckExact(o)) {
        *ptr = PyBytes_AS_STRING(o);
        *len = (size_t)PyBytes_GET_SIZE(o);
        return 0;
    }
    if (PyUnicode_Check(o)) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(o, &n);
        if (s == NULL)
            return -1;
        *ptr = s;
        *len = (size_t)n;
        return 0;
    }
    if (PyObject_CheckBuffer(o)) {
        if (PyObject_GetBuffer(o, view, PyBUF_SIMPLE) != 0)
            return -1;
        *held = 1;
        *ptr = view->buf;
        *len = (size_t)view->len;
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "expected bytes, str or None, not %.80s",
                 Py_TYPE(o)->tp_name);
    return -1;
}

static int intern_names(void)
{
    struct {
        PyObject **dst;
        const char *s;
    } names[] = {
        {&kr_py_s_key, "key"},           {&kr_py_s_value, "value"},
        {&kr_py_s_partition, "partition"}, {&kr_py_s_headers, "headers"},
        {&kr_py_s_timestamp, "timestamp"}, {&kr_py_s_on_delivery, "on_delivery"},
        {&kr_py_s_callback, "callback"}, {&kr_py_s_topic, "topic"},
        {&kr_py_s_keys, "keys"},         {&kr_py_s_delimiter, "delimiter"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        *names[i].dst = PyUnicode_InternFromString(names[i].s);
        if (*names[i].dst == NULL)
            return -1;
    }
    return 0;
}

static PyObject *kr_py_strerror(PyObject *mod, PyObject *arg)
{
    long rc = PyLong_AsLong(arg);
    if (rc == -1 && PyErr_Occurred())
        return NULL;
    return Py_BuildValue("(ss)", kr_errname((int)rc), kr_strerror((int)rc));
}

static PyMethodDef module_methods[] = {
    {"strerror", kr_py_strerror, METH_O,
     "strerror(code) -> (name, message) for a kring error code."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "kring._kring", "kring's C engine (see kring.Producer).", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

static int add_constants(PyObject *m)
{
    if (PyModule_AddIntConstant(m, "PARTITION_ANY", KR_PARTITION_ANY) != 0 ||
        PyModule_AddIntConstant(m, "HEADERS_MAX", KR_HEADERS_MAX) != 0)
        return -1;
#define KR_PY_ADD_ERR_(name, value, msg)                                                   \
    if (PyModule_AddIntConstant(m, #name, value) != 0)                                     \
        return -1;
    KR_ERRORS(KR_PY_ADD_ERR_)
#undef KR_PY_ADD_ERR_
    return 0;
}

PyMODINIT_FUNC PyInit__kring(void);

PyMODINIT_FUNC PyInit__kring(void)
{
    if (intern_names() != 0)
        return NULL;
    PyObject *errors = PyImport_ImportModule("kring._errors");
    if (errors == NULL)
        return NULL;
    kr_py_KafkaError = PyObject_GetAttrString(errors, "KafkaError");
    kr_py_QueueFullError = PyObject_GetAttrString(errors, "QueueFullError");
    Py_DECREF(errors);
    if (kr_py_KafkaError == NULL || kr_py_QueueFullError == NULL)
        return NULL;
    if (PyType_Ready(&kr_py_ProducerType) < 0 || PyType_Ready(&kr_py_MessageType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (m == NULL)
        return NULL;
    Py_INCREF(&kr_py_ProducerType);
    Py_INCREF(&kr_py_MessageType);
    if (PyModule_AddObject(m, "Producer", (PyObject *)&kr_py_ProducerType) != 0 ||
        PyModule_AddObject(m, "Message", (PyObject *)&kr_py_MessageType) != 0 ||
        add_constants(m) != 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
