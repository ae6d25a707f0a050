import * as os from 'os';
import { TextDecoder } from 'util';
import { writeFileAtomic } from '../core/atomic';

/**
 * The safetensors file format (the one Hugging Face, PyTorch and numpy users load):
 *
 *   [8 bytes]  N, the header length, unsigned 64-bit little-endian
 *   [N bytes]  JSON header: {"__metadata__": {str: str}, "<name>": {"dtype": "F32", "shape": [..],
 *              "data_offsets": [begin, end]}, ...}, padded with spaces to a multiple of 8 bytes
 *   [rest]     the tensors' raw little-endian bytes; offsets are relative to the start of this section and
 *              cover it exactly, with no gaps or overlaps
 *
 * We write float32 ("F32") only, tensors in the order given (a stable order, e.g. GPT.params()). Reading
 * checks everything above and names the file and the offending tensor in every error, so a truncated or
 * corrupted file never loads partially.
 */

/** A float32 tensor as raw data: shape and row-major values. */
export interface RawTensor {
  shape: number[];
  data: Float32Array;
}

/** One entry of a safetensors header. */
export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Byte offsets [begin, end) relative to the start of the data section. */
  dataOffsets: [number, number];
}

/** A decoded safetensors file: tensors in file order, plus the string metadata. */
export interface SafetensorsContents {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

/** Bytes per element of the dtypes the format defines (only F32 can be decoded here). */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

/** Largest header accepted (the reference implementation uses the same 100 MB limit). */
const MAX_HEADER_BYTES = 100_000_000;

function assertLittleEndianHost(): void {
  if (os.endianness() !== 'LE') throw new Error('safetensors: big-endian hosts are not supported');
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Serialises float32 tensors (in the iteration order given) and string metadata to safetensors bytes. */
export function encodeSafetensors(tensors: Iterable<[string, RawTensor]>, metadata: Record<string, string> = {}): Uint8Array {
  assertLittleEndianHost();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__' || name in header) throw new Error(`safetensors: duplicate or reserved tensor name "${name}"`);
    if (!t.shape.every((s) => Number.isInteger(s) && s >= 0)) throw new Error(`safetensors: tensor ${name} has an invalid shape [${t.shape}]`);
    if (!(t.data instanceof Float32Array)) throw new Error(`safetensors: tensor ${name} must hold a Float32Array`);
    if (t.data.length !== product(t.shape)) {
      throw new Error(`safetensors: tensor ${name} has ${t.data.length} values but shape [${t.shape}] needs ${product(t.shape)}`);
    }
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: 'F32', shape: t.shape.slice(), data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json, 'utf8') % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** Parses and validates the header; `source` (a file name) prefixes every error. */
export function readSafetensorsHeader(bytes: Uint8Array, source = '<safetensors>'): { entries: SafetensorsEntry[]; metadata: Record<string, string>; dataStart: number } {
  const fail = (why: string): never => {
    throw new Error(`${source}: ${why}`);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, too short for the 8-byte header length`);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = buf.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`corrupted header: header length ${n} is implausible (more than ${MAX_HEADER_BYTES} bytes)`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length) fail(`truncated: the header needs ${headerLen} bytes but the file has ${bytes.length - 8} after the length`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    fail(`corrupted header: not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('corrupted header: not a JSON object');
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('corrupted header: __metadata__ must be an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`corrupted header: __metadata__.${k} must be a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail(`corrupted header: entry for tensor ${name} is not an object`);
    const { dtype, shape, data_offsets: offs } = e;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) fail(`tensor ${name}: unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) fail(`tensor ${name}: invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0) || offs[1] < offs[0]) {
      fail(`tensor ${name}: invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    const want = product(shape as number[]) * DTYPE_BYTES[dtype as string];
    if (end - begin !== want) fail(`tensor ${name}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype}[${shape}] needs ${want}`);
    entries.push({ name, dtype: dtype as string, shape: (shape as number[]).slice(), dataOffsets: [begin, end] });
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const byOffset = entries.slice().sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let expected = 0;
  for (const e of byOffset) {
    if (e.dataOffsets[0] !== expected) {
      fail(`corrupted header: tensor ${e.name} starts at byte ${e.dataOffsets[0]} of the data, expected ${expected} (gap or overlap)`);
    }
    if (e.dataOffsets[1] > dataLen) {
      fail(`truncated: tensor ${e.name} needs data bytes [${e.dataOffsets[0]}, ${e.dataOffsets[1]}) but the file has only ${dataLen} bytes of data`);
    }
    expected = e.dataOffsets[1];
  }
  if (expected !== dataLen) fail(`corrupted: ${dataLen - expected} unexpected bytes after the last tensor's data`);
  return { entries, metadata, dataStart };
}

/** Decodes safetensors bytes holding F32 tensors; any other dtype is an error naming the tensor. */
export function decodeSafetensors(bytes: Uint8Array, source = '<safetensors>'): SafetensorsContents {
  assertLittleEndianHost();
  const { entries, metadata, dataStart } = readSafetensorsHeader(bytes, source);
  const tensors = new Map<string, RawTensor>();
  for (const e of entries) {
    if (e.dtype !== 'F32') throw new Error(`${source}: tensor ${e.name} has dtype ${e.dtype}, expected F32`);
    const start = bytes.byteOffset + dataStart + e.dataOffsets[0];
    const copy = bytes.buffer.slice(start, start + (e.dataOffsets[1] - e.dataOffsets[0])); // aligned copy
    tensors.set(e.name, { shape: e.shape, data: new Float32Array(copy) });
  }
  return { tensors, metadata };
}

/** Writes a safetensors file atomically (temp file + rename). */
export function writeSafetensors(file: string, tensors: Iterable<[string, RawTensor]>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
