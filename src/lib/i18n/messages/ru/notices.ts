import type { RuTable } from '../../table.ts'
import type { en } from '../notices.ts'

/** The Russian of messages/notices.ts (its comment says what the area holds): loaded on demand, with every area's (i18n/ru.ts). */
export const ru: RuTable<typeof en> = {
  sessionReset: 'Защищённый сеанс сброшен',
  sessionResetDetail: 'Переписка с {name} продолжается в новом сквозном зашифрованном сеансе. Код безопасности не изменился.',
  deviceAdded: '{name}: подключено новое устройство',
  deviceAddedDetail: 'Сообщения с него показываются здесь, как от {name}. Код безопасности не изменился.',
  deviceRemoved: '{name}: устройство отключено',
  deviceRemovedDetail: 'Сообщения с того устройства больше не показываются как от {name}. Код безопасности не изменился.'
}
