/** Ports of the calls feature (see identity.ts for what a port is). */

/**
 * One call at a time on this device, 1:1 or group (calls/call-line.ts): a
 * call takes the line while it rings or runs, and another is busy meanwhile.
 */
export interface CallLinePort {
  /** takes the line for the call `owner` (its id); false when another call holds it */
  take(owner: string): boolean
  /** lets go of the line, when `owner` holds it */
  release(owner: string): void
  /** the call holding the line, if any */
  readonly holder: string | undefined
}
