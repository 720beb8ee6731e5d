/** Why a box could not be opened. `duplicate`: its key was used (a replay, or a box opened before); the others mean the session is lost or never was. */
export type UnreadableReason = 'malformed' | 'duplicate' | 'no-session' | 'unknown-prekey' | 'replayed-init' | 'too-far-ahead' | 'undecryptable'

/** A box from a peer does not open (sessions.ts, `Sessions.open`), and why. */
export class SessionUnreadableError extends Error {
  override name = 'SessionUnreadableError'
  constructor (readonly reason: UnreadableReason, message: string) {
    super(message)
  }
}
