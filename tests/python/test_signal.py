"""Ctrl-C (SIGINT) during flush(): the process stops promptly and cleanly."""
import signal
import subprocess
import sys
import textwrap
import time

import pytest

CHILD = textwrap.dedent("""
    import sys, kring
    conf = {"bootstrap.servers": sys.argv[1], "delivery.timeout.ms": 600000,
            "topic.metadata.propagation.max.ms": 600000}
    catch = sys.argv[2] == "catch"
    try:
        with kring.Producer(conf) as p:
            for i in range(100):
                p.produce("py-sigint-no-such-topic" if catch else "t", b"x" * 300, key=str(i))
            print("flushing", flush=True)
            p.flush()
        print("flush returned", flush=True)
        sys.exit(1)
    except KeyboardInterrupt:
        if not catch:
            raise
        print("interrupted", flush=True)
        sys.exit(3)
""")


def run_child(bootstrap, mode):
    proc = subprocess.Popen([sys.executable, "-c", CHILD, bootstrap, mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "flushing"
        time.sleep(1.0)  # let flush() get into the engine
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out, err


@pytest.mark.parametrize("where", ["broker", "unreachable"])
def test_sigint_during_flush_caught(bootstrap, where):
    bs = bootstrap if where == "broker" else "127.0.0.1:9"
    rc, out, err = run_child(bs, "catch")
    assert rc == 3, (rc, out, err)
    assert "interrupted" in out
    assert "Sanitizer" not in err and "Segmentation" not in err


def test_sigint_during_flush_uncaught():
    rc, out, err = run_child("127.0.0.1:9", "raise")
    assert rc == -signal.SIGINT, (rc, out, err)
    assert "KeyboardInterrupt" in err
