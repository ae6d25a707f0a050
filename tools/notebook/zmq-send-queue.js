'use strict';
/**
 * zeromq 6 allows one send in progress per socket and throws "Socket is busy writing" at the next one. tslab sends
 * without waiting, so a cell that prints or updates a display from a long synchronous loop (a training loop with a
 * progress bar) could fail on its own output whenever the socket had not flushed yet. queueSends(proto) wraps
 * proto.send so that each socket's messages go through an ordered queue: a message that cannot go now waits its
 * turn and leaves as soon as the event loop runs; nothing is dropped or reordered. While nothing is queued, a send
 * goes out at once, so progress bars still update live during synchronous loops.
 */

function isBusy(err) {
  return Boolean(err) && (err.code === 'EBUSY' || /busy writing/i.test(String(err.message)));
}

/**
 * A send on a socket that is already closed: the kernel is shutting down and nobody is listening. tslab sends
 * without catching, so at shutdown a late output message (a progress bar's last update) used to crash the
 * kernel process with an uncaught "Socket is closed" after the notebook had finished; such a message is dropped.
 */
function isClosed(err) {
  return Boolean(err) && (err.code === 'EBADF' || /socket is closed/i.test(String(err.message)));
}

function queueSends(proto) {
  const send = proto.send;
  if (typeof send !== 'function' || send.rlhfQueued) return;
  const queues = new WeakMap();
  const stateOf = (sock) => {
    let q = queues.get(sock);
    if (!q) queues.set(sock, (q = { items: [], draining: false }));
    return q;
  };
  async function drain(sock, q) {
    q.draining = true;
    try {
      while (q.items.length > 0) {
        try {
          await send.call(sock, q.items[0]);
          q.items.shift();
        } catch (err) {
          if (isBusy(err)) await new Promise((r) => setTimeout(r, 1));
          else q.items.shift(); // e.g. a closed socket: this message cannot go, as a direct send would have failed
        }
      }
    } finally {
      q.draining = false;
    }
  }
  const queued = function (msg) {
    const q = stateOf(this);
    if (q.items.length === 0 && !q.draining) {
      try {
        return send.call(this, msg);
      } catch (err) {
        if (isClosed(err)) return Promise.resolve();
        if (!isBusy(err)) throw err;
      }
    }
    q.items.push(msg);
    if (!q.draining) void drain(this, q);
    return Promise.resolve();
  };
  queued.rlhfQueued = true;
  // zeromq's base prototype has a read-only send: define an own property on the given (subclass) prototype.
  Object.defineProperty(proto, 'send', { value: queued, writable: true, configurable: true, enumerable: false });
}

module.exports = { queueSends, isBusy, isClosed };
