/** The worker's check of a voice note handed over with sendFile (p2p/transfers/voice.ts). */
import { describe, expect, it } from 'vitest'
import { MAX_VOICE_MS, MAX_WAVEFORM_BYTES } from '@parley/protocol/chat/constants'
import { decodeFileOffer, fileToJson } from '@parley/protocol/chat/offer'
import { checkVoice, InvalidVoiceError } from '../../../../src/lib/p2p/transfers/voice.ts'
import { wordsOf } from '../../../support/words.ts'

const wave = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256)

describe('checkVoice', () => {
  it('takes the bounds the codec takes, and returns a copy an offer decodes back to', () => {
    for (const voice of [{ durationMs: 1, waveform: wave(1) }, { durationMs: MAX_VOICE_MS, waveform: wave(MAX_WAVEFORM_BYTES) }]) {
      const checked = checkVoice(voice, 'audio/webm')
      expect(checked).toEqual(voice)
      expect(checked.waveform).not.toBe(voice.waveform)
      const offer = { sha256: 'a'.repeat(64), size: 10, name: 'voice.webm', mime: 'audio/webm', chunkSize: 65_536, listHash: 'b'.repeat(64), voice: checked }
      expect(decodeFileOffer(fileToJson(offer), '1.1.0').voice).toEqual(voice)
    }
  })

  it('refuses a length of nothing, over the limit or not a whole number of ms, in words', () => {
    for (const durationMs of [0, -5, MAX_VOICE_MS + 1, 1.5, Number.NaN]) {
      expect(() => checkVoice({ durationMs, waveform: wave(4) }, 'audio/webm')).toThrow(expect.objectContaining({ name: InvalidVoiceError.NAME, code: 'voiceLengthInvalid' }))
    }
    expect(wordsOf(() => checkVoice({ durationMs: 0, waveform: wave(4) }, 'audio/ogg'))).toBe('A voice message must be longer than nothing and at most 15 minutes long.')
  })

  it('refuses an empty waveform or one of more samples than an offer carries, in words', () => {
    for (const waveform of [wave(0), wave(MAX_WAVEFORM_BYTES + 1), wave(4096)]) {
      expect(() => checkVoice({ durationMs: 2000, waveform }, 'audio/webm')).toThrow(expect.objectContaining({ name: InvalidVoiceError.NAME, code: 'voiceWaveformInvalid' }))
    }
    expect(wordsOf(() => checkVoice({ durationMs: 2000, waveform: wave(0) }, 'audio/webm'))).toBe('A voice message\'s waveform must have from 1 to 100 samples.')
  })

  it('refuses a file that is not audio', () => {
    expect(wordsOf(() => checkVoice({ durationMs: 2000, waveform: wave(3) }, 'application/octet-stream'))).toBe('A voice message must be a sound recording, not “application/octet-stream”.')
  })
})
