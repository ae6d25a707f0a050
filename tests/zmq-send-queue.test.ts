import { test } from 'node:test';
import assert from 'node:assert/strict';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { queueSends } = require('../tools/zmq-send-queue') as { queueSends: (proto: object) => void };

/** A socket like zeromq 6's: one send in flight at a time, the next one throws "busy" until it completes. */
class FakeSocket {
  sent: string[] = [];
  inFlight = false;
  slow = false;
  send(msg: string): Promise<void> {
    if (this.inFlight) throw Object.assign(new Error('Socket is busy writing; only one send operation may be in progress at any time'), { code: 'EBUSY' });
    if (!this.slow) {
      this.sent.push(msg);
      return Promise.resolve();
    }
    this.inFlight = true;
    return new Promise((resolve) => setTimeout(() => { this.inFlight = false; this.sent.push(msg); resolve(); }, 5));
  }
}

test('sends that find the socket busy wait their turn, in order, instead of throwing', async () => {
  queueSends(FakeSocket.prototype);
  const s = new FakeSocket();
  s.send('a'); // immediate
  assert.deepEqual(s.sent, ['a']);
  s.slow = true;
  s.send('b'); // in flight
  s.send('c'); // busy → queued (the unwrapped socket would throw here)
  s.send('d');
  s.slow = false;
  assert.deepEqual(s.sent, ['a']);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(s.sent, ['a', 'b', 'c', 'd']);
  s.send('e'); // the queue is empty again: straight out
  assert.deepEqual(s.sent, ['a', 'b', 'c', 'd', 'e']);
});

test('wrapping twice keeps one queue', () => {
  const before = FakeSocket.prototype.send;
  queueSends(FakeSocket.prototype);
  assert.equal(FakeSocket.prototype.send, before);
});
