import { createElement, Fragment, type ReactElement, type ReactNode } from 'react'
import { useCan } from './use-can.ts'

/**
 * Props of `<Can>`, named like CASL's own `<Can>`: `I` the action, then the subject as a
 * type name (`a` / `an`) or an object (`this`), optionally a `field`.
 */
export interface CanProps {
  I: string
  a?: string
  an?: string
  this?: object
  field?: string
  /** Show the children when the action is NOT allowed. */
  not?: boolean
  children?: ReactNode
  /** Shown instead of the children when they are not. */
  fallback?: ReactNode
}

/**
 * Renders its children only when the session may do `I` on the subject:
 * `<Can I="update" this={article}>…</Can>`, `<Can I="create" a="Article">…</Can>`.
 */
export function Can(props: CanProps): ReactElement {
  const subject = props.this ?? props.a ?? props.an
  if (subject === undefined)
    throw new TypeError('<Can> needs a subject: a="Article" or this={article}')
  const allowed = useCan(props.I, subject, props.field)
  return createElement(
    Fragment,
    null,
    allowed !== Boolean(props.not) ? props.children : props.fallback,
  )
}
