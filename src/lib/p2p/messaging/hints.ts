/**
 * Push hints on our deposits (docs/protocols.md, "Web Push", "Attaching
 * hints"): an item for a device whose notification key we hold (it gave it
 * us, sessions/notify-offers.ts) goes as a DEPOSIT with a hint naming the
 * chat, sealed afresh for every relay and deposit; a relay from before hints
 * answers that `bad-request`, and is sent plain DEPOSITs for the rest of the
 * node's run (remembered here, at most MAX_PLAIN_RELAYS of them). Sealed
 * with WebCrypto's AES-GCM (push/hint-seal-web.ts), so the worker carries no
 * AES code of its own.
 */
import { fromBase64Url } from '@parley/protocol/base64'
import { MailboxRefusedError } from '@parley/protocol/mailbox/codec'
import { HintError } from '@parley/protocol/push/hint-plain'
import { sealHintWeb } from '@parley/protocol/push/hint-seal-web'
import type { HintChat } from '@parley/protocol/push/hint-plain'

/** Relays remembered as taking no hints; past it the one noted first is forgotten (and learnt again by one refusal). */
export const MAX_PLAIN_RELAYS = 64

/** What a deposit needs to carry a hint: the chat it names and the recipient device's notification key. */
export interface HintFor {
  chat: HintChat
  /** the device's notification public key, base64url (db/notify-keys.ts) */
  key: string
}

/** A request's hint, or nothing: given each relay's deposit in turn. */
export type Deposit = (hint: Uint8Array | undefined) => Promise<void>

export class DepositHints {
  /** relays that refused a DEPOSIT with a hint, oldest first */
  readonly #plain = new Set<string>()

  /** Whether `relay` is known to take no hints. */
  plain (relay: string): boolean {
    return this.#plain.has(relay)
  }

  /**
   * Deposits on `relay` with a hint sealed for `hint` (when given, and the
   * relay takes hints), else plainly; a `bad-request` to the hinted deposit
   * marks the relay and deposits again without one.
   */
  async deposit (relay: string, hint: HintFor | undefined, deposit: Deposit): Promise<void> {
    const sealed = hint === undefined || this.plain(relay) ? undefined : await sealOrNothing(hint)
    if (sealed === undefined) {
      await deposit(undefined)
      return
    }
    try {
      await deposit(sealed)
    } catch (err) {
      if (!(err instanceof MailboxRefusedError && err.code === 'bad-request')) throw err
      this.#note(relay)
      await deposit(undefined)
    }
  }

  #note (relay: string): void {
    this.#plain.delete(relay)
    this.#plain.add(relay)
    for (const oldest of this.#plain) {
      if (this.#plain.size <= MAX_PLAIN_RELAYS) break
      this.#plain.delete(oldest)
    }
  }
}

/** A fresh hint, or undefined when the key or the chat cannot make one (the deposit then goes plain). */
async function sealOrNothing (hint: HintFor): Promise<Uint8Array | undefined> {
  try {
    return await sealHintWeb(hint.chat, fromBase64Url(hint.key))
  } catch (err) {
    if (err instanceof HintError || err instanceof DOMException) return undefined
    throw err
  }
}
