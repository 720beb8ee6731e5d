/**
 * The voice note a tab hands over with a recorded file (the contract's
 * `sendFile` `voice`), checked against the bounds the chat codec enforces on
 * the wire (@parley/protocol/chat/offer.ts), so that an offer we store is one
 * every 1.1.0 peer takes (docs/protocols.md, "Voice messages").
 */
import { MAX_VOICE_MS, MAX_WAVEFORM_BYTES } from '@parley/protocol/chat/constants'
import { errorClass } from '../../contract/errors.ts'
import type { VoiceNote } from '@parley/protocol/chat/offer'

/** A voice note out of bounds: `voiceLengthInvalid`, `voiceWaveformInvalid`, `voiceNotAudio`. */
export const InvalidVoiceError = errorClass('InvalidVoiceError')

/**
 * Checks `voice` (and that the file it describes is audio, by its sanitised
 * type) and returns a copy of it; throws an {@link InvalidVoiceError} otherwise.
 */
export function checkVoice (voice: VoiceNote, mime: string): VoiceNote {
  const { durationMs, waveform } = voice
  if (!Number.isSafeInteger(durationMs) || durationMs < 1 || durationMs > MAX_VOICE_MS) {
    throw new InvalidVoiceError('voiceLengthInvalid', { minutes: MAX_VOICE_MS / 60_000 })
  }
  if (!(waveform instanceof Uint8Array) || waveform.byteLength < 1 || waveform.byteLength > MAX_WAVEFORM_BYTES) {
    throw new InvalidVoiceError('voiceWaveformInvalid', { count: MAX_WAVEFORM_BYTES })
  }
  if (!mime.startsWith('audio/')) throw new InvalidVoiceError('voiceNotAudio', { mime })
  return { durationMs, waveform: waveform.slice() }
}
