"""Errors are raised as kring.KafkaError with a name and a code, never a crash or hang."""
import socket
import threading

import pytest

import kring
from conftest import base_config


def unused_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def unreachable_config(**extra):
    conf = {"bootstrap.servers": f"127.0.0.1:{unused_port()}", "linger.ms": 0,
            "request.timeout.ms": 500, "delivery.timeout.ms": 1500,
            "socket.connection.setup.timeout.ms": 300, "reconnect.backoff.ms": 50}
    conf.update(extra)
    return conf


@pytest.mark.parametrize("conf, name", [
    ({"acks": "2"}, "KR_ECONFIG"),
    ({"no.such.setting": "1"}, "KR_ECONFIG"),
    ({"linger.ms": -5}, "KR_ECONFIG"),
    ({"enable.idempotence": True, "acks": 1}, "KR_ECONFIG"),
    ({"bootstrap.servers": ""}, "KR_ECONFIG"),
])
def test_bad_setting_raises(conf, name):
    full = {"bootstrap.servers": "127.0.0.1:9"}
    full.update(conf)
    with pytest.raises(kring.KafkaError) as ei:
        kring.Producer(full)
    assert ei.value.name() == name and ei.value.code() == kring._kring.KR_ECONFIG
    assert isinstance(ei.value, kring.KafkaException)


def test_bad_setting_type_raises():
    with pytest.raises(TypeError):
        kring.Producer({"bootstrap.servers": "127.0.0.1:9", "linger.ms": [1]})


def test_unknown_topic_reports_and_raises(bootstrap):
    conf = base_config(bootstrap, **{"topic.metadata.propagation.max.ms": 1000})
    errs = []
    with kring.Producer(conf) as p:
        for i in range(10):
            p.produce("py-no-such-topic", b"v", key=b"k",
                      on_delivery=lambda err, msg: errs.append(err))
        assert p.flush(30) == 0
    assert len(errs) == 10
    assert {e.name() for e in errs} == {"UNKNOWN_TOPIC_OR_PARTITION"}
    assert {e.code() for e in errs} == {3}
    # Without a callback, flush() raises the failure instead of dropping it.
    p = kring.Producer(conf)
    p.produce_batch("py-no-such-topic", [b"a", b"b", b"c"])
    with pytest.raises(kring.KafkaError) as ei:
        p.flush(30)
    assert ei.value.name() == "UNKNOWN_TOPIC_OR_PARTITION"
    assert "3 record(s)" in ei.value.str()
    p.close()


def test_unreachable_bootstrap_raises():
    p = kring.Producer(unreachable_config())
    for i in range(5):
        p.produce("t", b"v")
    with pytest.raises(kring.KafkaError) as ei:
        p.flush(30)
    assert ei.value.name() == "KR_ETIMEDOUT"
    assert len(p) == 0
    p.close()


def test_unreachable_with_callback_and_context_manager():
    errs = []
    with kring.Producer(unreachable_config(on_delivery=lambda e, m: errs.append(e))) as p:
        p.produce("t", b"v", key=b"k")
    assert [e.name() for e in errs] == ["KR_ETIMEDOUT"]


def test_queue_full_is_buffer_error():
    conf = unreachable_config(**{"buffer.memory": 1 << 20, "batch.size": 16384,
                                 "delivery.timeout.ms": 60000})
    p = kring.Producer(conf)
    with pytest.raises(BufferError) as ei:
        for _ in range(1_000_000):
            p.produce("t", b"x" * 1000)
    assert isinstance(ei.value, kring.KafkaError) and ei.value.name() == "KR_EQUEUEFULL"
    with pytest.raises(kring.KafkaError) as ei:
        p.close(0)  # what was queued fails, and is not dropped silently
    assert ei.value.name() == "KR_ETIMEDOUT"


def test_record_too_large():
    p = kring.Producer(unreachable_config(**{"max.request.size": 1024, "batch.size": 1024}))
    with pytest.raises(kring.KafkaError) as ei:
        p.produce("t", b"x" * 5000)
    assert ei.value.name() == "KR_ETOOLARGE"
    with pytest.raises(kring.KafkaError) as ei:
        p.produce_batch("t", [b"a", b"x" * 5000, b"c"])
    assert ei.value.name() == "KR_ETOOLARGE" and ei.value.queued == 1
    assert len(p) == 1
    with pytest.raises(kring.KafkaError):
        p.close(0)


def test_bad_arguments():
    p = kring.Producer(unreachable_config())
    with pytest.raises(TypeError):
        p.produce(b"topic-as-bytes", b"v")
    with pytest.raises(TypeError):
        p.produce("t", 12)
    with pytest.raises(TypeError):
        p.produce("t", b"v", bogus=1)
    with pytest.raises(ValueError):
        p.produce_batch("t", [b"a", b"b"], keys=[b"k"])
    with pytest.raises(TypeError):
        p.produce_batch("t", [b"a", 5])
    with pytest.raises(kring.KafkaError) as ei:
        p.produce("t", b"v", headers=[("h", b"v")] * 65)
    assert ei.value.name() == "KR_ERANGE"
    assert len(p) == 0  # a chunk's items are all checked before any is queued
    p.close(0)
    with pytest.raises(kring.KafkaError) as ei:
        p.produce("t", b"v")
    assert ei.value.name() == "KR_ESTATE"


def test_other_thread_is_refused():
    p = kring.Producer(unreachable_config())
    out = []

    def run():
        try:
            p.produce("t", b"v")
        except RuntimeError as e:
            out.append(e)
    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert len(out) == 1
    p.close(0)


def test_flush_releases_the_gil():
    """While flush() waits on the engine, another Python thread runs."""
    p = kring.Producer(unreachable_config())
    p.produce("t", b"v")
    running = threading.Event()
    stop = threading.Event()
    count = [0]

    def spin():
        running.set()
        while not stop.is_set():
            count[0] += 1
    t = threading.Thread(target=spin)
    t.start()
    running.wait()
    before = count[0]
    try:
        p.flush(30)
    except kring.KafkaError:
        pass
    during = count[0] - before
    stop.set()
    t.join()
    p.close(0)
    assert during > 1000
