/** UTF-8 helpers (TextEncoder/TextDecoder exist in Node and browsers). */
import type { Data } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function toBytes(data: Data): Uint8Array {
  if (data === null || data === undefined) return new Uint8Array(0);
  return typeof data === 'string' ? utf8(data) : data;
}
