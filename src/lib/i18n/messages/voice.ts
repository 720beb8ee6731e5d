import type { EnTable, RuTable } from '../table.ts'

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

export const ru: RuTable<typeof en> = {
  record: 'Записать голосовое сообщение',
  recordHint: 'Удерживайте, чтобы записать, и отпустите, чтобы отправить; или нажмите Enter, чтобы начать, и ещё раз, чтобы отправить. Esc отменяет запись.',
  sendRecording: 'Отправить голосовое сообщение',
  cancelRecording: 'Отменить запись',
  recordingLabel: 'Запись голосового сообщения',
  starting: 'Ждём микрофон…',
  releaseToSend: 'Отпустите, чтобы отправить; отведите в сторону, чтобы отменить',
  releaseToCancel: 'Отпустите, чтобы отменить',
  pressToSend: 'Нажмите на микрофон ещё раз, чтобы отправить, или Esc, чтобы отменить',
  denied: 'Parley не разрешено пользоваться микрофоном. Чтобы записывать голосовые сообщения, разрешите его для этого сайта: нажмите на значок слева от адресной строки (или откройте настройки сайта в браузере), выберите для микрофона «Разрешить» и попробуйте снова.',
  noMicrophone: 'Микрофон не найден. Подключите микрофон или проверьте, что система разрешает браузеру им пользоваться, и попробуйте снова.',
  busy: 'Не удалось включить микрофон: возможно, им пользуется другое приложение. Закройте его и попробуйте снова.',
  failed: 'Запись не удалась. Попробуйте снова.',
  empty: 'Ничего не записалось. Попробуйте снова и удерживайте кнопку, пока говорите.',
  message: 'Голосовое сообщение',
  play: 'Воспроизвести голосовое сообщение',
  pause: 'Приостановить голосовое сообщение',
  seek: 'Позиция в голосовом сообщении',
  position: '{elapsed} из {total}',
  speed: 'Скорость воспроизведения {speed}',
  notYet: 'Его можно будет прослушать, когда оно придёт.',
  cannotPlay: 'Это голосовое сообщение не воспроизводится: {reason}'
}
