/**
 * Errors thrown by the data layer, as coded errors (lib/contract/errors.ts):
 * the code and its params say what is wrong, the tab says it in words. `name`
 * equals the class name so callers on the other side of a structured clone
 * (RPC) can match on `err.name`.
 */
import { errorClass } from '../contract/errors.ts'

/** A relay multiaddr does not end in `/p2p/<peer id>`, or names a transport a browser cannot dial (`relayAddressInvalid`). */
export const InvalidRelayAddressError = errorClass('InvalidRelayAddressError')

/** The relay is already in the list (`relayDuplicate`, `relayDefaultDuplicate`, `relayDefaultDisabled`). */
export const DuplicateRelayError = errorClass('DuplicateRelayError')

/** The user already has as many relays of their own as Parley keeps (`tooManyRelays`). */
export const TooManyRelaysError = errorClass('TooManyRelaysError')

/** No relay has this address (any more): `relayUnknown`. */
export const UnknownRelayError = errorClass('UnknownRelayError')

/** A TURN server the user typed breaks a rule (db/turn-servers.ts): `turnServerInvalid` names each field's problem. */
export const InvalidTurnServerError = errorClass('InvalidTurnServerError')

/** The user already has as many TURN servers as Parley keeps (`turnTooMany`). */
export const TooManyTurnServersError = errorClass('TooManyTurnServersError')

/** A write referred to a contact id that has no row (`unknownContact`). */
export const ContactNotFoundError = errorClass('ContactNotFoundError')

/** No Parley identity yet: `noProfile` (a call that needs one), `backupNoProfile` (an export). */
export const NoProfileError = errorClass('NoProfileError')

/** This browser already has an identity: creating a second one, or restoring over it or over leftover data. */
export const ProfileExistsError = errorClass('ProfileExistsError')
