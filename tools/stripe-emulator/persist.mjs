// Durable emulator state: every object, the private data behind them, the idempotency cache and
// the webhook log (with what was delivered and what is still pending) in one file, so stopping and
// starting `npm start` keeps every id the app's database refers to.
//
// Writes are atomic: serialize → write a temp file → fsync → rename over the old file → fsync the
// directory. A process killed at any point leaves either the previous complete file or the new one.
import fs from "node:fs";
import path from "node:path";
import v8 from "node:v8";

const FORMAT = 1;

/** @returns {object|null} the saved snapshot, or null when there is none (or it can't be read). */
export function readSnapshot(file, log = () => {}) {
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    if (err.code === "ENOENT") return null;
    throw err;
  }
  try {
    const snap = v8.deserialize(buf);
    if (!snap || snap.format !== FORMAT) throw new Error(`unknown format ${snap?.format}`);
    return snap;
  } catch (err) {
    // Never happens with atomic writes, but don't refuse to start: keep the file for inspection.
    const aside = `${file}.unreadable-${Date.now()}`;
    fs.renameSync(file, aside);
    log(`saved state ${file} could not be read (${err.message}); moved it to ${aside} and started empty`);
    return null;
  }
}

export function writeSnapshot(file, snap) {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, v8.serialize({ format: FORMAT, ...snap }));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  try {
    const dfd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // directories can't be fsynced on every platform; the rename is still atomic
  }
}

/** Everything worth keeping, as plain data (Maps/Sets survive v8 serialization). */
export function snapshotOf({ state, dispatcher, idempotency }) {
  return {
    objects: state.objects,
    internal: state.internal,
    ownerAccount: state.ownerAccount,
    accountLinks: state.accountLinks,
    invoiceSeq: state.invoiceSeq,
    idempotency,
    events: dispatcher.records.map(({ event, payload, signature, deliveries }) => ({ event, payload, signature, deliveries })),
    pending: dispatcher.pendingIds(),
  };
}

/** Loads a snapshot into fresh state; re-queues the webhooks that were not delivered yet. */
export function restoreSnapshot(snap, { state, dispatcher, idempotency }) {
  state.objects = snap.objects;
  state.internal = snap.internal;
  state.ownerAccount = snap.ownerAccount;
  state.accountLinks = snap.accountLinks;
  state.invoiceSeq = snap.invoiceSeq ?? 0;
  for (const [k, v] of snap.idempotency ?? []) idempotency.set(k, v);
  dispatcher.restore(snap.events ?? [], snap.pending ?? []);
}

/** Removes leftover temp files of killed writers. */
export function removeStaleTemps(file) {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (n.startsWith(`${base}.`) && n.endsWith(".tmp")) fs.rmSync(path.join(dir, n), { force: true });
}
