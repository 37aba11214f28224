"""kring: a Kafka producer over io_uring, with confluent-kafka's Producer API.

    import kring
    with kring.Producer({"bootstrap.servers": "127.0.0.1:9092", "acks": "all"}) as p:
        p.produce("flights", b'{"id": 1}', key=b"BA117")
        p.produce_batch("flights", [b"a", b"b"], keys=[b"k1", b"k2"])

See docs/PYTHON.md. A Producer belongs to the thread that created it.
"""
from ._errors import KafkaError, KafkaException, QueueFullError
from . import _kring
from ._kring import Message

__all__ = ["Producer", "Message", "KafkaError", "KafkaException", "QueueFullError"]
__version__ = "0.1.0"

PARTITION_ANY = _kring.PARTITION_ANY


class Producer(_kring.Producer):
    """Producer(config: dict = None, **settings)

    Settings are kring.h's (docs/CONFIG.md), values str, int or bool; "on_delivery" sets a
    default delivery callback. Used as a context manager, it flushes and closes on a clean
    exit, and closes at once (failing what is left) when an exception leaves the block.
    """

    __slots__ = ()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.flush()
            self.close()
            return False
        try:
            self.close(0)
        except Exception:  # the block's own exception is the one to see
            pass
        return False
