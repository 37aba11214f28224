"""1,000,000 keyed flight events through produce() and through produce_batch(), acks=all,
idempotent, lz4: kcat reads back exactly those records, once each, each key on Java
murmur2's partition."""
import os

import kring
from conftest import base_config, check_topic, flight_event, flight_key, produce

N = int(os.environ.get("KR_PY_N", "1000000"))


def test_produce_one_by_one(bootstrap, topic):
    with kring.Producer(base_config(bootstrap)) as p:
        for i in range(N):
            produce(p, topic, flight_event(i), key=flight_key(i))
            if i % 1000 == 0:
                p.poll(0)
        assert p.flush(120) == 0
        st = p.stats()
        assert len(p) == 0
    assert st["delivered"] == N and st["failed"] == 0
    check_topic(bootstrap, topic, N)


def test_produce_batch_lists_and_buffer(bootstrap, topic):
    """Half in lists of 100,000 values and keys, half as delimited byte buffers."""
    chunk = 100_000
    with kring.Producer(base_config(bootstrap)) as p:
        for start in range(0, N // 2, chunk):
            ids = range(start, min(start + chunk, N // 2))
            values = [flight_event(i).encode() for i in ids]
            keys = [flight_key(i).encode() for i in ids]
            assert p.produce_batch(topic, values, keys) == len(ids)
        for start in range(N // 2, N, chunk):
            ids = range(start, min(start + chunk, N))
            values = "\n".join(flight_event(i) for i in ids).encode()
            keys = "\n".join(flight_key(i) for i in ids).encode()
            assert p.produce_batch(topic, values, keys=keys) == len(ids)
        assert p.flush(120) == 0
        st = p.stats()
    assert st["delivered"] == N and st["failed"] == 0
    check_topic(bootstrap, topic, N)
