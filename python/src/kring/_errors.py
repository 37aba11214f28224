"""The exceptions kring raises; the C extension creates them by calling these classes."""


class KafkaError(Exception):
    """A Kafka or kring error.

    name(): Kafka's error name ("UNKNOWN_TOPIC_OR_PARTITION", "NOT_LEADER_OR_FOLLOWER") for an
    error a broker returned, or kring's ("KR_ECONFIG", "KR_ETIMEDOUT", "KR_EQUEUEFULL").
    code(): Kafka's error code (positive) for a broker error, or kring's (negative).
    str(): a human-readable message.

    The same class is what delivery callbacks get as their error argument (not raised
    there), as with confluent-kafka's KafkaError.
    """

    def __init__(self, name, code, message=None):
        super().__init__(name, code, message)
        self._name = name
        self._code = code
        self._message = message if message is not None else name

    def name(self):
        return self._name

    def code(self):
        return self._code

    def str(self):
        return self._message

    def __str__(self):
        return f"{self._name} ({self._code}): {self._message}"

    def __repr__(self):
        return f"KafkaError({self._name!r}, {self._code}, {self._message!r})"

    def __eq__(self, other):
        if isinstance(other, KafkaError):
            return self._code == other._code and self._name == other._name
        return NotImplemented

    def __hash__(self):
        return hash((self._name, self._code))


class QueueFullError(KafkaError, BufferError):
    """produce() found buffer.memory in use (KR_EQUEUEFULL): call poll() and retry.

    A BufferError, as confluent-kafka raises, so existing `except BufferError` works.
    """


# confluent-kafka raises KafkaException; here both names are one class.
KafkaException = KafkaError
