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

/** A relay multiaddr does not end in `/p2p/<peer id>`. */
export class InvalidRelayAddressError extends Error {
  constructor (message = 'Invalid relay address') {
    super(message)
    this.name = 'InvalidRelayAddressError'
  }
}
