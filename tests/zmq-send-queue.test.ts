import { test } from 'node:test';
import assert from 'node:assert/strict';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { queueSends } = require('../tools/notebook/zmq-send-queue') as { queueSends: (proto: object) => void };

/** A socket like zeromq 6's: one send in flight at a time, the next one throws "busy" until it completes. */
class FakeSocket {
  sent: string[] = [];
  inFlight = false;
  slow = false;
  closed = false;
  failWith: Error | null = null;
  send(msg: string): Promise<void> {
    if (this.closed) throw Object.assign(new Error('Socket is closed'), { code: 'EBADF', errno: 9 });
    if (this.failWith) throw this.failWith;
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
  // the queued sends go out one after another as each completes (a loaded machine may delay the timers)
  for (const t0 = Date.now(); s.sent.length < 4 && Date.now() - t0 < 5000;) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(s.sent, ['a', 'b', 'c', 'd']);
  s.send('e'); // the queue is empty again: straight out
  assert.deepEqual(s.sent, ['a', 'b', 'c', 'd', 'e']);
});

test('wrapping twice keeps one queue', () => {
  const before = FakeSocket.prototype.send;
  queueSends(FakeSocket.prototype);
  assert.equal(FakeSocket.prototype.send, before);
});

test('a send on a closed socket (kernel shutting down) is dropped; any other error still throws', () => {
  queueSends(FakeSocket.prototype);
  const s = new FakeSocket();
  s.send('a');
  s.closed = true;
  assert.doesNotThrow(() => s.send('late progress update'));
  assert.deepEqual(s.sent, ['a']);
  s.closed = false;
  s.failWith = new Error('Invalid argument');
  assert.throws(() => s.send('b'), /Invalid argument/);
});
