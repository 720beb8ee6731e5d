/**
 * Errors thrown by the data layer. `name` equals the class name so callers on
 * the other side of a structured clone (RPC) can match on `err.name`.
 */

/** A write referred to a contact id that has no row. */
export class ContactNotFoundError extends Error {
  constructor (message = 'Contact not found') {
    super(message)
    this.name = 'ContactNotFoundError'
  }
}

/** A relay multiaddr does not end in `/p2p/<peer id>`, or names a transport a browser cannot dial. */
export class InvalidRelayAddressError extends Error {
  constructor (message = 'Invalid relay address') {
    super(message)
    this.name = 'InvalidRelayAddressError'
  }
}

/** A TURN server the user typed breaks a rule (db/turn-servers.ts); the message says which, in words. */
export class InvalidTurnServerError extends Error {
  constructor (message = 'Invalid TURN server') {
    super(message)
    this.name = 'InvalidTurnServerError'
  }
}

/** The user already has as many TURN servers as Parley keeps (MAX_TURN_SERVERS). */
export class TooManyTurnServersError extends Error {
  constructor (message = 'Too many TURN servers') {
    super(message)
    this.name = 'TooManyTurnServersError'
  }
}
