"""Delivery reports: every record's report comes exactly once and names the partition and
offset where kcat finds that record."""
import json

import kring
from conftest import base_config, check_topic, flight_event, flight_key, produce

N = 50_000


def test_per_record_callbacks(bootstrap, topic):
    reports = {}
    errors = []

    def on_delivery(err, msg):
        rid = json.loads(msg.value())["id"]
        if err is not None:
            errors.append(err)
        assert rid not in reports, f"record {rid} reported twice"
        reports[rid] = (msg.partition(), msg.offset())
        assert msg.topic() == topic and msg.key() == flight_key(rid)

    with kring.Producer(base_config(bootstrap)) as p:
        for i in range(N):
            produce(p, topic, flight_event(i), key=flight_key(i), on_delivery=on_delivery,
                    headers=[("source", b"test"), ("n", str(i))])
            if i % 500 == 0:
                p.poll(0)
        assert p.flush(60) == 0
    assert errors == []
    assert len(reports) == N
    where = check_topic(bootstrap, topic, N)
    assert {rid: po for po, rid in where.items()} == reports


def test_config_callback_and_bulk_callbacks(bootstrap, topic):
    """A default on_delivery from the configuration, and produce_batch's bulk reports:
    every index of every call once, with kcat's partition and offset."""
    single = {}
    bulk = {}
    calls = []

    def default_cb(err, msg):
        assert err is None
        single[json.loads(msg.value())["id"]] = (msg.partition(), msg.offset())

    def batch_cb(base):
        def cb(reports):
            calls.append(len(reports))
            for index, partition, offset, err in reports:
                assert err is None
                assert base + index not in bulk, f"index {index} reported twice"
                bulk[base + index] = (partition, offset)
        return cb

    half = N // 2
    with kring.Producer(base_config(bootstrap, on_delivery=default_cb)) as p:
        for i in range(half):
            produce(p, topic, flight_event(i), flight_key(i))
        for base in range(half, N, 5000):
            values = [flight_event(i) for i in range(base, base + 5000)]
            keys = [flight_key(i) for i in range(base, base + 5000)]
            p.produce_batch(topic, values, keys, on_delivery=batch_cb(base))
        p.flush(60)
        assert len(p) == 0
    assert len(single) == half and len(bulk) == N - half
    assert len(calls) < N - half  # reports come in lists, not one call each
    where = check_topic(bootstrap, topic, N)
    assert {rid: po for po, rid in where.items()} == {**single, **bulk}


def test_callback_exception_propagates_and_reports_stay(bootstrap, topic):
    """A callback that raises: poll()/flush() raise it; the reports after it are served
    by the next call, none lost, none twice."""
    seen = []

    def cb(err, msg):
        seen.append(msg.offset())
        if len(seen) == 10:
            raise ValueError("from the callback")

    with kring.Producer(base_config(bootstrap, on_delivery=cb)) as p:
        for i in range(100):
            produce(p, topic, flight_event(i), flight_key(i))
        try:
            p.flush(30)
            raised = False
        except ValueError:
            raised = True
        assert raised
        assert p.flush(30) == 0
    assert len(seen) == 100
    check_topic(bootstrap, topic, 100)
