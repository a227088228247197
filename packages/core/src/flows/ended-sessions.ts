import type { SessionEndReason } from '../events/coatcheck-event.ts'
import type { FlowContext } from './flow-context.ts'

/**
 * Reports sessions this instance just ended: one `session_ended` event each for metrics, and
 * a notice on the bus so that every open `/events` stream of them, on any instance, says
 * `session-ended` and closes.
 */
export async function announceSessionsEnded(
  context: Pick<FlowContext, 'onEvent' | 'sessionEnded'>,
  sessionIds: readonly string[],
  reason: SessionEndReason,
): Promise<void> {
  for (const _id of sessionIds) context.onEvent({ type: 'session_ended', reason })
  await context.sessionEnded.publish(sessionIds, reason)
}
