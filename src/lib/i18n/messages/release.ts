import type { EnTable, RuTable } from '../table.ts'

/**
 * Strings of releases (issue 61): what the service worker refused to install,
 * a worker no signed release names, and Settings → About. Loaded with the
 * code that shows them (lib/pwa/release-watch.ts, ui/AboutRelease.svelte),
 * not with the app (lib/i18n/index.ts, `addArea`).
 */
export const en = {
  refusedUnsigned: 'The server offered a version of Parley that its publisher did not sign. It was not installed: this version keeps running, and your data is untouched.',
  refusedFile: 'The server offered a version of Parley whose file {file} is not the one its publisher signed. It was not installed: this version keeps running, and your data is untouched.',
  unsignedWorker: 'Warning: the server replaced Parley’s service worker with one its publisher did not sign. From the next reload this may not be the Parley you installed. Enter nothing secret, and tell the people who run this site.',
  dismiss: 'Dismiss',
  aboutHeading: 'About',
  version: 'Version',
  commit: 'Commit',
  releaseKey: 'Release key',
  releaseKeyHelp: 'Pinned when this browser first installed a signed Parley: an update is installed only when this key signed it, or a key this key endorsed. Compare it with the one its publisher announces.',
  unsignedBuild: 'This copy of Parley is not a signed release: nothing checks its updates.',
  noRelease: 'Parley runs here without its service worker: nothing checks its updates.'
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  refusedUnsigned: 'Сервер предложил версию Parley, которую её издатель не подписал. Она не установлена: работает прежняя версия, ваши данные не тронуты.',
  refusedFile: 'Сервер предложил версию Parley, в которой файл {file} не тот, что подписал её издатель. Она не установлена: работает прежняя версия, ваши данные не тронуты.',
  unsignedWorker: 'Внимание: сервер заменил сервис-воркер Parley на такой, который его издатель не подписывал. После следующей перезагрузки это может быть уже не тот Parley, который вы установили. Не вводите ничего секретного и сообщите тем, кто отвечает за этот сайт.',
  dismiss: 'Закрыть',
  aboutHeading: 'О программе',
  version: 'Версия',
  commit: 'Коммит',
  releaseKey: 'Ключ выпуска',
  releaseKeyHelp: 'Закреплён, когда этот браузер впервые установил подписанный Parley: обновление устанавливается, только если его подписал этот ключ или ключ, который он заверил. Сверьте его с тем, который объявляет издатель.',
  unsignedBuild: 'Эта копия Parley — не подписанный выпуск: её обновления никто не проверяет.',
  noRelease: 'Parley работает здесь без своего сервис-воркера: его обновления никто не проверяет.'
}
