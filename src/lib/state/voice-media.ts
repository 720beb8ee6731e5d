/**
 * The browser's side of recording a voice message (voice-recorder.svelte.ts
 * runs the state machine over it): the microphone through getUserMedia, a
 * MediaRecorder, and a loudness meter on an AnalyserNode. Decided by
 * capability: where `MediaRecorder` or `getUserMedia` is missing (an old
 * browser, a page that is not a secure context) there is no recording, and
 * the composer shows no microphone button.
 */
import type { LevelMeter, MicStream, RecorderHandle, RecorderSink, VoiceMedia } from './voice-recorder.svelte.ts'

/** Samples the meter reads per level (a power of two, as AnalyserNode wants). */
const METER_FFT_SIZE = 1024

/** Whether this browser can record voice messages here. */
export function canRecordVoice (): boolean {
  return typeof MediaRecorder === 'function' && typeof navigator.mediaDevices?.getUserMedia === 'function'
}

/** A microphone stream of ours: the browser's MediaStream inside. */
class BrowserMic implements MicStream {
  constructor (readonly stream: MediaStream) {}

  stop (): void {
    for (const track of this.stream.getTracks()) track.stop()
  }
}

function streamOf (mic: MicStream): MediaStream {
  if (!(mic instanceof BrowserMic)) throw new TypeError('not a microphone stream of this browser')
  return mic.stream
}

/** RMS loudness of the analyser's latest samples. */
function analyserMeter (stream: MediaStream): LevelMeter | undefined {
  const Context = globalThis.AudioContext
  if (typeof Context !== 'function') return undefined
  const context = new Context()
  const source = context.createMediaStreamSource(stream)
  const analyser = context.createAnalyser()
  analyser.fftSize = METER_FFT_SIZE
  source.connect(analyser)
  const samples = new Float32Array(analyser.fftSize)
  // a context made without a user gesture may start suspended
  void context.resume().catch(() => {})
  return {
    level () {
      analyser.getFloatTimeDomainData(samples)
      let sum = 0
      for (const sample of samples) sum += sample * sample
      return Math.sqrt(sum / samples.length)
    },
    close () {
      source.disconnect()
      void context.close().catch(() => {})
    }
  }
}

/** The real media of this browser. */
export const browserVoiceMedia: VoiceMedia = {
  async open () {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      video: false
    })
    return new BrowserMic(stream)
  },
  isTypeSupported (type) {
    return MediaRecorder.isTypeSupported(type)
  },
  record (mic, options, sink: RecorderSink): RecorderHandle {
    const recorder = new MediaRecorder(streamOf(mic), {
      ...(options.mimeType === undefined ? {} : { mimeType: options.mimeType }),
      audioBitsPerSecond: options.audioBitsPerSecond
    })
    recorder.addEventListener('dataavailable', (event) => { sink.data(event.data) })
    recorder.addEventListener('stop', () => { sink.stopped() })
    recorder.addEventListener('error', (event) => { sink.failed((event as ErrorEvent).error ?? event) })
    recorder.start(options.timesliceMs)
    return {
      get mimeType () { return recorder.mimeType },
      stop () { if (recorder.state !== 'inactive') recorder.stop() }
    }
  },
  meter (mic) {
    try {
      return analyserMeter(streamOf(mic))
    } catch {
      // no Web Audio for this stream: the recording goes on, its waveform stays flat
      return undefined
    }
  }
}
