/** The voice recorder's state machine (state/voice-recorder.svelte.ts) over fake media and a fake clock. */
import { describe, expect, it } from 'vitest'
import { MAX_VOICE_MS, MAX_WAVEFORM_BYTES } from '@parley/protocol/chat/constants'
import {
  LEVEL_INTERVAL_MS, pickVoiceMime, problemOf, RECORDER_TIMESLICE_MS, VOICE_BITS_PER_SECOND, voiceFileName, VoiceRecorder
} from '../../../src/lib/state/voice-recorder.svelte.ts'
import type { MicStream, RecorderSink, VoiceClock, VoiceMedia, VoiceRecording } from '../../../src/lib/state/voice-recorder.svelte.ts'

/** A clock the test moves by hand; `every` ticks as time passes. */
function fakeClock (): VoiceClock & { advance(ms: number): void, running: number } {
  let now = 1000
  const timers = new Set<{ ms: number, next: number, fn: () => void }>()
  return {
    now: () => now,
    every (ms, fn) {
      const timer = { ms, next: now + ms, fn }
      timers.add(timer)
      return () => { timers.delete(timer) }
    },
    advance (ms) {
      const end = now + ms
      for (;;) {
        const due = [...timers].filter(t => t.next <= end).sort((a, b) => a.next - b.next)[0]
        if (due === undefined) break
        now = due.next
        due.next += due.ms
        due.fn()
      }
      now = end
    },
    get running () { return timers.size }
  }
}

interface FakeMedia extends VoiceMedia {
  /** resolves or rejects the pending getUserMedia */
  grant(): void
  refuse(err: unknown): void
  sink: RecorderSink | undefined
  options: Parameters<VoiceMedia['record']>[1] | undefined
  streamsStopped: number
  recorderStops: number
  meterClosed: boolean
  loudness: number
  supported: string[]
}

function fakeMedia (): FakeMedia {
  let settle: { resolve: (s: MicStream) => void, reject: (e: unknown) => void } | undefined
  const media: FakeMedia = {
    sink: undefined,
    options: undefined,
    streamsStopped: 0,
    recorderStops: 0,
    meterClosed: false,
    loudness: 0.25,
    supported: ['audio/ogg;codecs=opus'],
    grant () { settle?.resolve({ stop: () => { media.streamsStopped++ } }) },
    refuse (err) { settle?.reject(err) },
    open: async () => new Promise<MicStream>((resolve, reject) => { settle = { resolve, reject } }),
    isTypeSupported: type => media.supported.includes(type),
    record (_stream, options, sink) {
      media.options = options
      media.sink = sink
      return { mimeType: options.mimeType ?? '', stop: () => { media.recorderStops++ } }
    },
    meter: () => ({ level: () => media.loudness, close: () => { media.meterClosed = true } })
  }
  return media
}

function setup (): { media: FakeMedia, clock: ReturnType<typeof fakeClock>, recorder: VoiceRecorder, recorded: VoiceRecording[] } {
  const media = fakeMedia()
  const clock = fakeClock()
  const recorded: VoiceRecording[] = []
  const recorder = new VoiceRecorder(media, (r) => { recorded.push(r) }, clock)
  return { media, clock, recorder, recorded }
}

/** Starts and lets the fake grant the microphone; resolves once recording. */
async function startRecording (media: FakeMedia, recorder: VoiceRecorder): Promise<void> {
  const started = recorder.start()
  expect(recorder.phase).toBe('starting')
  media.grant()
  await started
  expect(recorder.phase).toBe('recording')
}

describe('VoiceRecorder', () => {
  it('records: asks for the microphone, runs the clock, and hands over the file, duration and waveform once the recorder stopped', async () => {
    const { media, clock, recorder, recorded } = setup()
    await startRecording(media, recorder)
    expect(media.options).toEqual({ mimeType: 'audio/ogg;codecs=opus', audioBitsPerSecond: VOICE_BITS_PER_SECOND, timesliceMs: RECORDER_TIMESLICE_MS })
    clock.advance(1000)
    expect(recorder.elapsedMs).toBe(1000)
    expect(recorder.level).toBe(0.25)
    media.sink?.data(new Blob([new Uint8Array(300)]))
    media.loudness = 0.5
    clock.advance(1500)
    recorder.finish()
    expect(recorder.phase).toBe('stopping')
    expect(media.recorderStops).toBe(1)
    // the recorder's last chunk comes before its stop
    media.sink?.data(new Blob([new Uint8Array(200)]))
    expect(recorded).toHaveLength(0)
    media.sink?.stopped()
    expect(recorder.phase).toBe('idle')
    expect(recorded).toHaveLength(1)
    const [recording] = recorded
    expect(recording?.durationMs).toBe(2500)
    expect(recording?.file.size).toBe(500)
    expect(recording?.mime).toBe('audio/ogg;codecs=opus')
    expect(recording?.name).toMatch(/^voice-\d{8}-\d{6}\.ogg$/)
    // 2.5 s at one level per 50 ms: 50 levels, the first 20 at a quarter, then half (the loudest, 255)
    expect(recording?.waveform.length).toBe(2500 / LEVEL_INTERVAL_MS)
    expect(recording?.waveform[0]).toBe(128)
    expect(recording?.waveform.at(-1)).toBe(255)
    // the microphone and the meter are let go, the clock stopped
    expect(media.streamsStopped).toBe(1)
    expect(media.meterClosed).toBe(true)
    expect(clock.running).toBe(0)
  })

  it('stops by itself at MAX_VOICE_MS with a waveform of at most MAX_WAVEFORM_BYTES', async () => {
    const { media, clock, recorder, recorded } = setup()
    await startRecording(media, recorder)
    media.sink?.data(new Blob([new Uint8Array(10)]))
    clock.advance(MAX_VOICE_MS + 5000)
    expect(recorder.phase).toBe('stopping')
    media.sink?.stopped()
    expect(recorded[0]?.durationMs).toBe(MAX_VOICE_MS)
    expect(recorded[0]?.waveform.length).toBe(MAX_WAVEFORM_BYTES)
  })

  it('cancel drops the recording and lets the microphone go; what the recorder says afterwards is ignored', async () => {
    const { media, clock, recorder, recorded } = setup()
    await startRecording(media, recorder)
    media.sink?.data(new Blob([new Uint8Array(100)]))
    clock.advance(800)
    recorder.cancel()
    expect(recorder.phase).toBe('idle')
    expect(media.recorderStops).toBe(1)
    expect(media.streamsStopped).toBe(1)
    media.sink?.stopped()
    expect(recorded).toHaveLength(0)
    expect(recorder.problem).toBeUndefined()
  })

  it('a cancel while the browser asks for permission lets go of the microphone it grants later', async () => {
    const { media, recorder, recorded } = setup()
    const started = recorder.start()
    recorder.cancel()
    expect(recorder.phase).toBe('idle')
    media.grant()
    await started
    expect(recorder.phase).toBe('idle')
    expect(media.streamsStopped).toBe(1)
    expect(media.sink).toBeUndefined()
    expect(recorded).toHaveLength(0)
  })

  it('a refused or missing microphone ends in a problem, cleared by the next start', async () => {
    const { media, recorder } = setup()
    const started = recorder.start()
    media.refuse(new DOMException('Permission denied', 'NotAllowedError'))
    await started
    expect(recorder.phase).toBe('idle')
    expect(recorder.problem).toBe('denied')
    const again = recorder.start()
    expect(recorder.problem).toBeUndefined()
    media.refuse(new DOMException('Requested device not found', 'NotFoundError'))
    await again
    expect(recorder.problem).toBe('noMicrophone')
  })

  it('a recorder that fails, or records nothing, ends in a problem and sends nothing', async () => {
    const { media, recorder, recorded } = setup()
    await startRecording(media, recorder)
    media.sink?.failed(new DOMException('boom', 'UnknownError'))
    expect(recorder.phase).toBe('idle')
    expect(recorder.problem).toBe('failed')
    expect(media.streamsStopped).toBe(1)

    await startRecording(media, recorder)
    recorder.finish()
    media.sink?.stopped()
    expect(recorder.problem).toBe('empty')
    expect(recorded).toHaveLength(0)
  })

  it('start does nothing while a recording runs; finish does nothing unless recording', async () => {
    const { media, recorder } = setup()
    recorder.finish()
    expect(recorder.phase).toBe('idle')
    await startRecording(media, recorder)
    await recorder.start()
    expect(recorder.phase).toBe('recording')
  })
})

describe('the recorder\'s choices', () => {
  it('takes Opus in WebM, else in Ogg, else the browser\'s default', () => {
    expect(pickVoiceMime(t => t === 'audio/webm;codecs=opus' || t === 'audio/ogg;codecs=opus')).toBe('audio/webm;codecs=opus')
    expect(pickVoiceMime(t => t === 'audio/ogg;codecs=opus')).toBe('audio/ogg;codecs=opus')
    expect(pickVoiceMime(() => false)).toBeUndefined()
  })

  it('says what a getUserMedia failure means, by its name', () => {
    expect(problemOf(new DOMException('', 'NotAllowedError'))).toBe('denied')
    expect(problemOf(new DOMException('', 'SecurityError'))).toBe('denied')
    expect(problemOf(new DOMException('', 'NotFoundError'))).toBe('noMicrophone')
    expect(problemOf(new DOMException('', 'OverconstrainedError'))).toBe('noMicrophone')
    expect(problemOf(new DOMException('', 'NotReadableError'))).toBe('busy')
    expect(problemOf(new Error('other'))).toBe('failed')
    expect(problemOf('not an error')).toBe('failed')
  })

  it('names the file by the time and the container', () => {
    const at = new Date(2026, 10, 24, 9, 5, 7)
    expect(voiceFileName('audio/webm;codecs=opus', at)).toBe('voice-20261124-090507.webm')
    expect(voiceFileName('audio/mp4', at)).toBe('voice-20261124-090507.m4a')
    expect(voiceFileName('', at)).toBe('voice-20261124-090507.webm')
  })
})
