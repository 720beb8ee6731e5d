/**
 * The server side of a Parley protocol with one request and one reply per
 * stream (on relay-node the mailbox, Nearby and prekeys; in the app, a
 * browser's own prekeys): read one length-prefixed request
 * within the time limit, refuse it while draining or over the per-peer rate,
 * answer it, close. A malformed request is answered with the protocol's code
 * for it (`bad-request`, or e.g. `too-large`) when the stream still works and
 * the stream is reset; so is a frame over `maxRequestBytes` when the protocol
 * names a code for it (`oversizeCode`), else it is reset unanswered, its body
 * never read either way; a refusal the answer throws
 * is sent as its error frame; anything else is logged, answered `unavailable`
 * and the stream reset. Nothing here throws out of the handler.
 */
import { lpStream } from '@libp2p/utils'
import { toError } from '../abort.ts'
import { RateLimiter } from '../rate-limit.ts'
import type { Connection, Stream } from '@libp2p/interface'

/** What the server logs (relay-node's JSON logger fits). */
export interface OneRequestLog {
  debug(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
}

/** The error codes every such protocol has. */
export type CommonRefusal = 'bad-request' | 'unavailable' | 'rate-limited'

export interface OneRequestProtocol<Request extends { op: string }, Reply, Code extends string> {
  /** for log lines and reasons: `mailbox`, `nearby` */
  name: string
  timeoutMs: number
  maxRequestBytes: number
  /** bytes of the length prefix, at most */
  maxPrefixBytes: number
  ratePerMinute: number
  /** the clock the rate limit reads; default `Date.now` (tests pass one they move by hand) */
  now?: () => number
  decode(bytes: Uint8Array): Request
  encodeReply(reply: Reply): Uint8Array
  encodeError(code: Code | CommonRefusal, reason: string): Uint8Array
  /** the code answering a request `decode` refused (`bad-request`, or a code of the protocol's), or undefined to reset it unanswered */
  malformed(err: unknown): Code | CommonRefusal | undefined
  /** the code answering a frame whose length prefix is over `maxRequestBytes` (nothing more is read); without one it is reset unanswered */
  oversizeCode?: Code | CommonRefusal
  /** the code and reason of a refusal the answer threw, if it is one */
  refusal(err: unknown): { code: Code | CommonRefusal, reason: string } | undefined
  answer(request: Request, connection: Connection): Reply | Promise<Reply>
  draining(): boolean
  refused(code: Code | CommonRefusal): void
  log: OneRequestLog
}

/** lpStream's refusal of a length prefix over `maxDataLength` (only the prefix was read). */
function isOversize (err: unknown): boolean {
  return err instanceof Error && err.name === 'InvalidDataLengthError'
}

/** The stream handler for `protocol`; `shutdown` ends every request in progress. */
export function oneRequestHandler<Request extends { op: string }, Reply, Code extends string> (
  protocol: OneRequestProtocol<Request, Reply, Code>,
  shutdown: AbortSignal
): (stream: Stream, connection: Connection) => Promise<void> {
  const rate = new RateLimiter(protocol.ratePerMinute, protocol.ratePerMinute / 60_000, protocol.now)

  return async (stream, connection) => {
    const signal = AbortSignal.any([AbortSignal.timeout(protocol.timeoutMs), shutdown])
    const frames = lpStream(stream, { maxDataLength: protocol.maxRequestBytes, maxLengthLength: protocol.maxPrefixBytes })
    const peer = connection.remotePeer.toString()
    const refuse = async (code: Code | CommonRefusal, reason: string): Promise<void> => {
      protocol.refused(code)
      await frames.write(protocol.encodeError(code, reason), { signal })
    }
    let request: Request
    try {
      request = protocol.decode((await frames.read({ signal })).subarray())
    } catch (err) {
      // malformed or too long: say so when the stream still works, then reset it
      protocol.log.debug(`malformed ${protocol.name} request`, { peer, error: err })
      const code = isOversize(err) ? protocol.oversizeCode : protocol.malformed(err)
      if (code != null) await refuse(code, isOversize(err) ? `a request frame is at most ${protocol.maxRequestBytes} bytes` : toError(err).message).catch(() => {})
      stream.abort(toError(err))
      return
    }
    try {
      if (protocol.draining()) {
        await refuse('unavailable', 'the relay is shutting down')
      } else if (!rate.take(peer)) {
        await refuse('rate-limited', `at most ${protocol.ratePerMinute} ${protocol.name} requests a minute`)
      } else {
        await frames.write(protocol.encodeReply(await protocol.answer(request, connection)), { signal })
      }
      await stream.close({ signal })
    } catch (err) {
      const refusal = protocol.refusal(err)
      if (refusal != null) {
        await refuse(refusal.code, refusal.reason).then(
          async () => stream.close({ signal }),
          (e: unknown) => { stream.abort(toError(e)) })
        return
      }
      protocol.log.warn(`${protocol.name} request failed`, { peer, op: request.op, error: err })
      await refuse('unavailable', `the ${protocol.name} request could not be completed`).catch(() => {})
      stream.abort(toError(err))
    }
  }
}
