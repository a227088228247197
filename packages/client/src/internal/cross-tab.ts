import { isRecord } from './request.ts'

/** What one tab tells the others. Never a token: only what every tab may already know. */
export type CrossTabMessage =
  | { type: 'ended'; reason: string }
  | { type: 'login'; sub: unknown }
  | { type: 'refreshed'; expiresAt: number }

export interface CrossTab {
  post(message: CrossTabMessage): void
  close(): void
}

/**
 * A BroadcastChannel between the tabs of this origin, so a logout or a session end in one tab
 * reaches every tab at once, without a reload or a poll. Without BroadcastChannel (very old
 * browsers) each tab learns on its own, at its next request.
 */
export function openCrossTab(
  name: string,
  onMessage: (message: CrossTabMessage) => void,
): CrossTab {
  if (typeof BroadcastChannel !== 'function') return { post() {}, close() {} }
  const channel = new BroadcastChannel(name)
  channel.onmessage = (event: MessageEvent<unknown>) => {
    const message = readMessage(event.data)
    if (message) onMessage(message)
  }
  return {
    post: (message) => channel.postMessage(message),
    close: () => channel.close(),
  }
}

/** Any script of this origin may post here, so only well-formed messages are acted on. */
function readMessage(data: unknown): CrossTabMessage | undefined {
  if (!isRecord(data)) return undefined
  if (data.type === 'ended' && typeof data.reason === 'string') {
    return { type: 'ended', reason: data.reason }
  }
  if (data.type === 'login') return { type: 'login', sub: data.sub }
  if (data.type === 'refreshed' && typeof data.expiresAt === 'number') {
    return { type: 'refreshed', expiresAt: data.expiresAt }
  }
  return undefined
}
