/**
 * A voice recording's phases and the ways it can fail, named once for the
 * recorder (state/voice-recorder.svelte.ts) and the composer's microphone
 * (ui/VoiceRecordButton.svelte), which words them.
 */

export type RecorderPhase = 'idle' | 'starting' | 'recording' | 'stopping'

/** Why a recording did not happen: the words are the composer's (voice.<problem>). */
export type VoiceProblem = 'denied' | 'noMicrophone' | 'busy' | 'failed' | 'empty'
