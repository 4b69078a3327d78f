/**
 * CRC-32/IEEE (the zlib / PNG / Ethernet polynomial, reflected 0xEDB88320), table driven.
 * Node before 20.15 has no zlib.crc32 and browsers have none: file/framing.ts uses the native one where
 * there is one, this everywhere else (backups, tests); both give the same values.
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC of `bytes[start, end)`; pass a previous result as `seed` to continue a running CRC. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  let c = (seed ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
