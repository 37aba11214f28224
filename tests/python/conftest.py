"""Shared fixtures for kring's Python tests: the single-node Kafka from tests/cluster
(`cluster.sh env single` exports KR_TEST_BOOTSTRAP etc.), fresh topics, flight-like
events and an independent reader (kcat)."""
import os
import re
import subprocess
import sys
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "engine"))
import verify  # noqa: E402  tests/engine/verify.py: Java's murmur2, checked on Kafka's vectors

verify.self_test()

PARTITIONS = 6
KEYS = 5000
_ID_RE = re.compile(r'^\{"id":(\d+),"key":"([^"]*)"')
_ORIGINS = ["LHR", "JFK", "CDG", "FRA", "AMS", "MAD", "DXB", "SIN", "HND", "SFO"]


def murmur2_partition(key: bytes, partitions: int) -> int:
    return verify.partition_for(key, partitions)


def flight_key(i: int) -> str:
    return f"FL{i % KEYS:04d}"


def flight_event(i: int) -> str:
    """A flight position event of about 300 bytes whose id and key lead the JSON."""
    k = flight_key(i)
    o = _ORIGINS[i % 10]
    d = _ORIGINS[(i // 10) % 10]
    return (f'{{"id":{i},"key":"{k}","flight":"{k}","origin":"{o}","destination":"{d}",'
            f'"scheduled":"2024-06-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",'
            f'"lat":{(i * 7919) % 180000 / 1000 - 90:.3f},'
            f'"lon":{(i * 104729) % 360000 / 1000 - 180:.3f},"altitude_ft":{i % 41000},'
            f'"ground_speed_kt":{300 + i % 250},"heading":{i % 360},"squawk":"{i % 7777:04d}",'
            f'"status":"EN_ROUTE","aircraft":"A320-{i % 997:03d}","airline":"{k[:2]}",'
            f'"source":"adsb-feed-7"}}')


@pytest.fixture(scope="session")
def bootstrap():
    bs = os.environ.get("KR_TEST_BOOTSTRAP")
    if not bs:
        pytest.skip("KR_TEST_BOOTSTRAP unset: start tests/cluster/cluster.sh and eval its env")
    return bs


@pytest.fixture
def topic(bootstrap, request):
    """A fresh topic with PARTITIONS partitions."""
    name = f"py-{request.node.name[:40]}-{uuid.uuid4().hex[:8]}".replace("[", "-").replace(
        "]", "")
    cluster_sh = os.environ["KR_TEST_CLUSTER_SH"]
    cluster = os.environ.get("KR_TEST_CLUSTER", "single")
    subprocess.run(["bash", cluster_sh, "create-topic", cluster, name, str(PARTITIONS), "1"],
                   check=True, capture_output=True, timeout=120)
    return name


def kcat_read(bootstrap, topic):
    """Yields (partition, offset, key, value) for every record, read by kcat."""
    cmd = ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
           "-X", "check.crcs=true", "-f", "%p\t%o\t%k\t%s\n"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            errors="replace", bufsize=1 << 20)
    for line in proc.stdout:
        p, o, k, v = line.rstrip("\n").split("\t", 3)
        yield int(p), int(o), k, v
    err = proc.stderr.read()
    assert proc.wait() == 0, f"kcat failed: {err[:2000]}"


def check_topic(bootstrap, topic, n):
    """Reads the topic back and checks: exactly n records, ids 0..n-1 each once, the key
    in the value matches the record key, and each key sits on Java murmur2's partition.
    Returns {(partition, offset): id}."""
    seen = bytearray(n)
    where = {}
    part_of_key = {}
    dups = bad_part = bad = 0
    for p, o, k, v in kcat_read(bootstrap, topic):
        m = _ID_RE.match(v)
        if m is None or m.group(2) != k:
            bad += 1
            continue
        rid = int(m.group(1))
        if rid >= n:
            bad += 1
            continue
        if seen[rid]:
            dups += 1
        seen[rid] = 1
        where[(p, o)] = rid
        want = part_of_key.get(k)
        if want is None:
            want = part_of_key[k] = murmur2_partition(k.encode(), PARTITIONS)
        if p != want:
            bad_part += 1
    missing = n - sum(seen)
    assert (bad, dups, missing, bad_part) == (0, 0, 0, 0), \
        f"bad={bad} duplicates={dups} missing={missing} wrong-partition={bad_part}"
    assert len(where) == n
    return where


def base_config(bootstrap, **extra):
    conf = {"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
            "compression.type": "lz4", "linger.ms": 5}
    conf.update(extra)
    return conf


def produce(p, *args, **kwargs):
    """produce() as confluent-kafka's examples do it: on BufferError, poll and retry."""
    while True:
        try:
            return p.produce(*args, **kwargs)
        except BufferError:
            p.poll(0.1)
