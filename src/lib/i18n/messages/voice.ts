import type { EnTable } from '../table.ts'

/**
 * Strings of the 'voice' area (keys are used as `t('voice.<key>')`): recording
 * a voice message in the composer, and its player in the chat.
 */
export const en = {
  record: 'Record a voice message',
  recordHint: 'Hold to record and release to send; or press Enter to start and again to send. Escape cancels.',
  sendRecording: 'Send the voice message',
  cancelRecording: 'Cancel recording',
  recordingLabel: 'Recording a voice message',
  starting: 'Waiting for the microphone…',
  releaseToSend: 'Release to send, slide away to cancel',
  releaseToCancel: 'Release to cancel',
  pressToSend: 'Press the microphone again to send, Escape to cancel',
  denied: 'Parley may not use the microphone. To record voice messages, allow it for this site: click the icon at the left of the address bar (or open the browser\'s site settings), set Microphone to Allow, then try again.',
  noMicrophone: 'No microphone was found. Connect one, or check that your system lets the browser use it, then try again.',
  busy: 'The microphone could not be started: another app may be using it. Close that app and try again.',
  failed: 'Recording failed. Try again.',
  empty: 'Nothing was recorded. Try again, and hold the button while you speak.',
  message: 'Voice message',
  play: 'Play voice message',
  pause: 'Pause voice message',
  seek: 'Position in the voice message',
  position: '{elapsed} of {total}',
  speed: 'Playback speed {speed}',
  notYet: 'It can be played once it has arrived.',
  cannotPlay: 'This voice message cannot be played: {reason}'
} as const satisfies EnTable
