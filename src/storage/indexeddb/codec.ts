import { Packr } from 'msgpackr';

// The same plain msgpack as the file storage: no record extension (its structures would live in this
// Packr, so a fresh page could not read them back), no structured clone (we never store cycles).
const packr = new Packr({ structuredClone: false, useRecords: false, moreTypes: false });

/**
 * A value as bytes for IndexedDB. Msgpack rather than IndexedDB's own structured clone: txn data
 * decoded off the wire are views into a whole received batch, and structured clone would store the
 * entire underlying buffer for each of them. Copied out of msgpackr's shared output buffer.
 */
export function encodeValue(value: unknown): Uint8Array {
  return new Uint8Array(packr.pack(value));
}

export function decodeValue(bytes: unknown): unknown {
  if (!(bytes instanceof Uint8Array)) throw new Error(`stored value is not bytes (${typeof bytes})`);
  return plain(packr.unpack(bytes));
}

/** Binary comes back as views into the stored bytes (Buffer slices in Node): copy each out as a plain Uint8Array. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = plain(value[i]);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = plain(o[k]);
  }
  return value;
}
