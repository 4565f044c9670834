"""Probe: Tansu 0.6.0 keeps the id of a leader that left a still-forming group as its leader.

A first member joins a consumer group (so it is the leader of a group still forming) and then either
leaves (LeaveGroup), or goes away without leaving (its connection closed), or there is no first member.
Then a librdkafka consumer subscribes to the same group, and the probe reports how long it waited for
its assignment. The first member speaks the Kafka protocol by hand (JoinGroup v1, LeaveGroup v0), so the
moment of leaving is exact.

    python sonda_lider_fantasma.py BOOTSTRAP GROUP {leave|abandon|none} SECONDS
    (needs confluent-kafka: pip install confluent-kafka)
"""
import socket
import struct
import sys
import time

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, group, mode, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
host, port = bootstrap.split(':')
TOPIC = 'sonda'


def string(text):
    data = text.encode()
    return struct.pack('>h', len(data)) + data


class Connection:
    """One broker connection speaking non-flexible request versions."""

    def __init__(self):
        self.sock = socket.create_connection((host, int(port)))
        self.correlation = 0

    def call(self, api_key, version, body):
        self.correlation += 1
        message = struct.pack('>hhi', api_key, version, self.correlation) + string('sonda') + body
        self.sock.sendall(struct.pack('>i', len(message)) + message)
        return self.read(struct.unpack('>i', self.read(4))[0])

    def read(self, count):
        data = b''
        while len(data) < count:
            data += self.sock.recv(count - len(data))
        return data


def read_string(data, at):
    length = struct.unpack_from('>h', data, at)[0]
    return data[at + 2:at + 2 + length].decode(), at + 2 + length


# Consumer protocol subscription (version 1) to [TOPIC], no user data, no owned partitions.
SUBSCRIPTION = struct.pack('>hi', 1, 1) + string(TOPIC) + struct.pack('>ii', -1, 0)


def join(connection, member_id):
    body = (string(group) + struct.pack('>ii', 6000, 30000) + string(member_id) + string('consumer')
            + struct.pack('>i', 1) + string('range') + struct.pack('>i', len(SUBSCRIPTION)) + SUBSCRIPTION)
    response = connection.call(11, 1, body)
    error, generation = struct.unpack_from('>hi', response, 4)
    _, at = read_string(response, 10)
    leader, at = read_string(response, at)
    member, _ = read_string(response, at)
    return error, generation, leader, member


admin = AdminClient({'bootstrap.servers': bootstrap})  # kept alive until its request completes
for future in admin.create_topics([NewTopic(TOPIC, 2, 1)]).values():
    try:
        future.result()
    except Exception as error:  # already there from an earlier run
        print('create topic:', error)

if mode != 'none':
    connection = Connection()
    error, _, _, member = join(connection, '')
    print('first member, join 1: error', error, '(79 = MEMBER_ID_REQUIRED), member', member)
    error, generation, leader, member = join(connection, member)
    print('first member, join 2: error', error, 'leader', leader == member, 'generation', generation)
    if mode == 'leave':
        response = connection.call(13, 0, string(group) + string(member))
        print('first member left: error', struct.unpack_from('>h', response, 4)[0])
    else:
        connection.sock.close()
        print('first member gone without leaving')
else:
    print('no first member')

consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'session.timeout.ms': 6000,
                     'heartbeat.interval.ms': 1000, 'auto.offset.reset': 'earliest'})
assigned = []
consumer.subscribe([TOPIC], on_assign=lambda _consumer, partitions: assigned.append(time.time()))
start = time.time()
while time.time() - start < seconds and not assigned:
    consumer.poll(0.2)
print('librdkafka consumer: ' + ('assigned after %.1f s' % (assigned[0] - start) if assigned
                                 else 'no assignment within %.0f s' % seconds))
consumer.close()
