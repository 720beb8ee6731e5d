import '../../support/russian.ts'
import { render } from 'svelte/server'
import { describe, expect, it } from 'vitest'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import type { CallEvent } from '../../../src/lib/contract/index.ts'
import type { ContactId } from '../../../src/lib/db/types.ts'
import CallLayer from '../../../src/lib/ui/CallLayer.svelte'
import type { CallView, OurMediaView, PlaybackView } from '../../../src/lib/ui/call-view.ts'

/**
 * The call's view (issue 56): a call held here takes the whole screen on a
 * phone (class `full`; App.svelte docks the rest beside the chat), while a
 * ring elsewhere, the call in another tab and how a call ended are cards;
 * our picture is a framed tile in a corner of theirs, mirrored for a front
 * camera (or one that does not say) and not for a back one; the sound output
 * is a labelled select (styled by app.css).
 */

const call = (over: Partial<CallEvent>): CallEvent => ({ callId: 'c1', contactId: 1 as ContactId, peerId: 'p', direction: 'out', video: true, phase: 'active', startedAt: 0, answeredAt: 0, ...over })

/** A stream whose camera says it faces `facing` (or nothing). */
const stream = (facing?: string): MediaStream => ({ getVideoTracks: () => [{ getSettings: () => (facing === undefined ? {} : { facingMode: facing }) }] }) as unknown as MediaStream

const media = (local: MediaStream, over: Partial<OurMediaView> = {}): OurMediaView => ({
  local, preview: local, muted: false, cameraOff: false, cameras: [], camera: '', canSwitch: false, switching: false, notice: '', canShare: false, sharing: false,
  toggleMute: () => {}, toggleCamera: () => {}, switchCamera: async () => {}, shareScreen: async () => {}, stopSharing: () => {}, ...over
})

const playback: PlaybackView = {
  outputs: [{ deviceId: 'default', label: 'Speakers' }, { deviceId: 'h', label: 'Headphones' }],
  output: 'default', canPictureInPicture: false, pictureInPicture: false, problem: '',
  chooseOutput: async () => {}, togglePictureInPicture: async () => {}, attachSound: () => () => {}, attachVideo: () => () => {}
}

const view = (over: Partial<CallView>): CallView => ({
  call: undefined, here: false, remote: undefined, problem: '', busy: false, connected: false, quality: undefined, media: undefined, playback: undefined,
  answer: async () => {}, decline: async () => {}, hangUp: async () => {}, dismiss: () => {}, ...over
})

const show = (calls: CallView): string => render(CallLayer, { props: { calls, name: 'Bob', level: undefined } }).body
/** The tag of our camera's video. */
const ours = (html: string): string => /<video[^>]*data-testid="local-video"[^>]*>/.exec(html)?.[0] ?? ''
/** The classes of the call's section. */
const sectionClass = (html: string): string[] => /<section class="([^"]*)"/.exec(html)?.[1]?.split(/\s+/) ?? []

describe('the call view', () => {
  it('a video call held here: the whole screen on a phone, our picture a tile in the bottom-right corner, mirrored; the sound output a labelled select', () => {
    const html = show(view({ call: call({}), here: true, media: media(stream('user')), playback }))
    expect(sectionClass(html)).toContain('full')
    expect(sectionClass(html)).not.toContain('card')
    expect(html).toMatch(/data-corner="bottom-right"[^>]*data-testid="self-view"/)
    expect(ours(html)).toMatch(/aria-label="Your camera".*class="[^"]*\bmirrored\b/)
    expect(html).toContain('aria-label="Move your picture to another corner"')
    expect(html).toMatch(/<label class="choice[^"]*">Sound output <select/)
  })

  it('where the screen can be shared, a Share screen button; while it is, Stop sharing, and our picture is the screen, not mirrored', () => {
    expect(show(view({ call: call({}), here: true, media: media(stream('user')), playback }))).not.toContain('Share screen')
    expect(show(view({ call: call({}), here: true, media: media(stream('user'), { canShare: true }), playback }))).toMatch(/<button[^>]*aria-pressed="false"[^>]*>Share screen<\/button>/)
    const sharing = show(view({ call: call({}), here: true, media: media(stream('user'), { canShare: true, sharing: true, preview: stream() }), playback }))
    expect(sharing).toMatch(/<button[^>]*aria-pressed="true"[^>]*>Stop sharing<\/button>/)
    expect(ours(sharing)).toContain('aria-label="Your shared screen"')
    expect(ours(sharing)).not.toContain('mirrored')
    // a voice call has no picture to share
    expect(show(view({ call: call({ video: false }), here: true, media: media(stream('user'), { canShare: true }), playback }))).not.toContain('Share screen')
  })

  it('a camera that does not say which way it faces is mirrored; a back camera is not', () => {
    expect(ours(show(view({ call: call({}), here: true, media: media(stream()), playback })))).toMatch(/class="[^"]*\bmirrored\b/)
    const back = ours(show(view({ call: call({}), here: true, media: media(stream('environment')), playback })))
    expect(back).toContain('data-testid="local-video"')
    expect(back).not.toContain('mirrored')
  })

  it('a ring here is full screen on a phone; the call in another tab and how a call ended are cards', () => {
    expect(sectionClass(show(view({ call: call({ direction: 'in', phase: 'ringing' }) })))).toContain('full')
    expect(sectionClass(show(view({ call: call({}) })))).toEqual(expect.arrayContaining(['card']))
    const ended = show(view({ call: call({ phase: 'ended', reason: 'hangup' }) }))
    expect(sectionClass(ended)).toContain('card')
    expect(sectionClass(ended)).not.toContain('full')
    expect(ended).toContain('Call ended.')
  })

  it('a ring that another device of ours answered or declined ends saying so, in en and ru, and is no missed call', () => {
    const elsewhere = (reason: 'answered-elsewhere' | 'declined-elsewhere'): string => show(view({ call: call({ direction: 'in', phase: 'ended', answeredAt: undefined, reason, endedBy: 'them' }) }))
    expect(elsewhere('answered-elsewhere')).toContain('Answered on another device.')
    expect(elsewhere('declined-elsewhere')).toContain('Declined on another device.')
    expect(elsewhere('answered-elsewhere')).not.toContain('Missed call')
    setLocale('ru')
    try {
      expect(elsewhere('answered-elsewhere')).toContain('Звонок принят на другом устройстве.')
      expect(elsewhere('declined-elsewhere')).toContain('Звонок отклонён на другом устройстве.')
    } finally {
      setLocale('en')
    }
  })
})
