/**
 * Big-endian writing and reading of the binary request/reply frames
 * (`/parley/mailbox/1.0.0`, `/parley/push/1.0.0`): one writer, and a reader
 * whose overruns throw the codec's own error, naming the field.
 */

/** Writes big-endian integers and bytes into a growing buffer. */
export class FrameWriter {
  readonly #parts: Uint8Array[] = []
  #length = 0
  u8 (n: number): this { return this.bytes(Uint8Array.of(n)) }
  u16 (n: number): this { const b = new Uint8Array(2); new DataView(b.buffer).setUint16(0, n); return this.bytes(b) }
  u32 (n: number): this { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n); return this.bytes(b) }
  u64 (n: number): this { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(n)); return this.bytes(b) }
  bytes (b: Uint8Array): this { this.#parts.push(b); this.#length += b.byteLength; return this }
  finish (): Uint8Array {
    const out = new Uint8Array(this.#length)
    let at = 0
    for (const part of this.#parts) { out.set(part, at); at += part.byteLength }
    return out
  }
}

/** Reads what FrameWriter wrote; an overrun, a u64 over 2^53 or bytes left over throw `fail`'s error. */
export class FrameReader {
  #at = 0
  readonly #buf: Uint8Array
  readonly #what: string
  readonly #fail: (message: string) => Error

  /** `what` names the frame in errors; `fail` makes the codec's error from a message. */
  constructor (buf: Uint8Array, what: string, fail: (message: string) => Error) {
    this.#buf = buf
    this.#what = what
    this.#fail = fail
  }

  #take (n: number, field: string): Uint8Array {
    if (this.#at + n > this.#buf.byteLength) throw this.#fail(`${this.#what}: the frame ends inside ${field}`)
    const out = this.#buf.subarray(this.#at, this.#at + n)
    this.#at += n
    return out
  }

  u8 (field: string): number { return this.#take(1, field)[0] ?? 0 }
  u16 (field: string): number { const b = this.#take(2, field); return new DataView(b.buffer, b.byteOffset, 2).getUint16(0) }
  u32 (field: string): number { const b = this.#take(4, field); return new DataView(b.buffer, b.byteOffset, 4).getUint32(0) }
  u64 (field: string): number {
    const b = this.#take(8, field)
    const n = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0)
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw this.#fail(`${this.#what}: ${field} is over 2^53`)
    return Number(n)
  }

  bytes (n: number, field: string): Uint8Array { return this.#take(n, field).slice() }
  rest (): Uint8Array { const out = this.#buf.subarray(this.#at).slice(); this.#at = this.#buf.byteLength; return out }
  get at (): number { return this.#at }
  get left (): number { return this.#buf.byteLength - this.#at }
  end (): void {
    if (this.left !== 0) throw this.#fail(`${this.#what}: ${this.left} bytes after the last field`)
  }
}
