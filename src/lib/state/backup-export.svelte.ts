/**
 * Making a backup file in Settings (docs/security.md, "Backups"). A recovery
 * passphrase is generated and offered by default (model/recovery-passphrase.ts:
 * 7 random words, 77 bits), to be saved before the file downloads; "choose my
 * own" holds the user's passphrase to a strength floor
 * (model/passphrase-strength.ts, zxcvbn-ts, loaded only then). The node's
 * worker derives the key (Argon2id) and encrypts: `exportIdentity`.
 *
 * This module loads on demand with the backup section (routes/Settings.svelte),
 * with its words (lib/i18n/backup.ts) and the word list: none of it is in the
 * app's shell.
 */
import { MIN_PASSPHRASE_CHARS } from '../contract/backup-limits.ts'
import '../i18n/backup.ts'
import { handleError } from '../i18n/handle-error.ts'
import { t } from '../i18n/index.ts'
import { RECOVERY_BITS, RECOVERY_WORDS, recoveryPassphrase } from '../model/recovery-passphrase.ts'
import type { Strength } from '../model/passphrase-strength.ts'
import type { NodeManager } from './node-manager.svelte.ts'

/** Estimates a passphrase of the user's own; loaded on demand (tests give their own). */
export type StrengthEstimator = (passphrase: string) => Strength

const loadEstimator = async (): Promise<StrengthEstimator> => {
  const { passphraseStrength } = await import('../model/passphrase-strength.ts')
  return (passphrase) => passphraseStrength(passphrase)
}

export class BackupExport {
  readonly #node: Pick<NodeManager, 'call'>
  readonly #loadEstimator: () => Promise<StrengthEstimator>
  readonly words = RECOVERY_WORDS
  readonly bits = RECOVERY_BITS
  #generated = $state(recoveryPassphrase())
  #own = $state(false)
  #saved = $state(false)
  #passphrase = $state('')
  #repeat = $state('')
  #estimate = $state.raw<StrengthEstimator | undefined>(undefined)
  #strength = $derived(this.#estimate === undefined || this.#passphrase === '' ? undefined : this.#estimate(this.#passphrase))
  #includeHistory = $state(true)
  #busy = $state(false)
  #error = $state('')
  #done = $state('')

  constructor (node: Pick<NodeManager, 'call'>, estimator: () => Promise<StrengthEstimator> = loadEstimator) {
    this.#node = node
    this.#loadEstimator = estimator
  }

  /** The generated recovery passphrase (hyphen-joined words). */
  get generated (): string {
    return this.#generated
  }

  /** Whether the user chose their own passphrase instead of the generated one. */
  get own (): boolean {
    return this.#own
  }

  /** The user says the generated passphrase is written down or saved. */
  get saved (): boolean {
    return this.#saved
  }

  set saved (value: boolean) {
    this.#saved = value
  }

  get passphrase (): string {
    return this.#passphrase
  }

  set passphrase (value: string) {
    this.#passphrase = value
  }

  get repeat (): string {
    return this.#repeat
  }

  set repeat (value: string) {
    this.#repeat = value
  }

  /** The own passphrase's strength; undefined while it is empty or the estimator loads. */
  get strength (): Strength | undefined {
    return this.#strength
  }

  /** True while the estimator loads (the own path's meter says it is checking). */
  get checking (): boolean {
    return this.#own && this.#estimate === undefined
  }

  get includeHistory (): boolean {
    return this.#includeHistory
  }

  set includeHistory (value: boolean) {
    this.#includeHistory = value
  }

  get busy (): boolean {
    return this.#busy
  }

  /** Why the last try made no file, in words ('' for none). */
  get error (): string {
    return this.#error
  }

  /** Said once a file was made ('' before). */
  get done (): string {
    return this.#done
  }

  /** New random words; the old ones count as not saved. */
  otherWords (): void {
    this.#generated = recoveryPassphrase()
    this.#saved = false
    this.#error = ''
  }

  /** The "choose my own" path: loads the strength estimator (once). */
  async chooseOwn (): Promise<void> {
    this.#own = true
    this.#error = ''
    this.#done = ''
    if (this.#estimate !== undefined) return
    try {
      this.#estimate = await this.#loadEstimator()
    } catch (err) {
      this.#error = handleError(err, 'load the strength check')
    }
  }

  /** Back to the generated passphrase; what was typed is forgotten. */
  useGenerated (): void {
    this.#own = false
    this.#passphrase = ''
    this.#repeat = ''
    this.#error = ''
  }

  /**
   * Checks what the tab can (the generated passphrase saved; the own one long
   * enough, strong enough, typed twice alike), then asks the node for the
   * file. Returns it, or undefined with {@link error} saying why not.
   */
  async create (): Promise<Uint8Array | undefined> {
    if (this.#busy) return undefined
    this.#done = ''
    const problem = this.#problem()
    if (problem !== '') {
      this.#error = problem
      return undefined
    }
    this.#error = ''
    this.#busy = true
    try {
      const passphrase = this.#own ? this.#passphrase : this.#generated
      const { file } = await this.#node.call('exportIdentity', { passphrase, includeHistory: this.#includeHistory })
      this.#done = t('backup.downloading')
      this.#passphrase = ''
      this.#repeat = ''
      return file
    } catch (err) {
      this.#error = handleError(err, 'exportIdentity')
      return undefined
    } finally {
      this.#busy = false
    }
  }

  /** What stops a file now, in words; '' for nothing. */
  #problem (): string {
    if (!this.#own) return this.#saved ? '' : t('backup.notSaved')
    if ([...this.#passphrase.normalize('NFC')].length < MIN_PASSPHRASE_CHARS) return t('backup.passphraseTooShort', { count: MIN_PASSPHRASE_CHARS })
    if (this.#estimate === undefined) return t('backup.strengthChecking')
    if (this.#strength?.enough !== true) return t('backup.tooWeak')
    if (this.#passphrase !== this.#repeat) return t('backup.passphrasesDiffer')
    return ''
  }
}
