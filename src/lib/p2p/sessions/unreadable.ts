/** Why a box could not be opened. `duplicate`: its key was used (a replay, or a box opened before); the others mean the session is lost or never was. */
export type UnreadableReason = 'malformed' | 'duplicate' | 'no-session' | 'unknown-prekey' | 'replayed-init' | 'too-far-ahead' | 'undecryptable'

/** A box from a peer does not open (sessions.ts, `Sessions.open`), and why. */
export class SessionUnreadableError extends Error {
  override name = 'SessionUnreadableError'
  constructor (readonly reason: UnreadableReason, message: string) {
    super(message)
  }
}

/**
 * What a listener answers for a box that did not open: `malformed` (its bytes
 * are no box), `duplicate` (this very box was taken before: a retry), or
 * `session` (the session is lost or never was: the sender starts a new one).
 */
export type UnopenedBox = 'malformed' | 'duplicate' | 'session'

/**
 * `open()` (Sessions.open on one box), or which {@link UnopenedBox} it is
 * when it throws SessionUnreadableError; a lost session is logged with
 * `what`. Any other error is thrown.
 */
export async function openOrSay<T> (open: () => Promise<T>, log: (format: string, ...args: unknown[]) => void, what: string): Promise<T | UnopenedBox> {
  try {
    return await open()
  } catch (err) {
    if (!(err instanceof SessionUnreadableError)) throw err
    if (err.reason === 'malformed' || err.reason === 'duplicate') return err.reason
    log('%s does not open (%s) - %s', what, err.reason, err.message)
    return 'session'
  }
}
