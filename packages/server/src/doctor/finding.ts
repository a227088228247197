/** How bad a finding is: `error` makes `coatcheck doctor` exit 1. */
export type Severity = 'error' | 'warning' | 'info'

/** One result of `coatcheck doctor`: what is wrong, which requirement it breaks, and the fix. */
export interface Finding {
  readonly severity: Severity
  /** Requirement ID from REQUIREMENTS.md, e.g. `C-05`. */
  readonly id: string
  /** Where it was found: an option path (`cookie.name`) or a probe (`GET /auth/login`). */
  readonly where: string
  readonly message: string
  readonly fix: string
}

/** True when any finding is an error. */
export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.severity === 'error')
}

const ORDER: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 }

/** The findings as text for a terminal, errors first, with a one-line summary. */
export function formatFindings(findings: readonly Finding[]): string {
  const sorted = [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity])
  const lines = sorted.map(
    (f) =>
      `${f.severity.toUpperCase().padEnd(7)} ${f.id.padEnd(5)} ${f.where}: ${f.message}\n` +
      `              fix: ${f.fix}`,
  )
  const count = (severity: Severity) => findings.filter((f) => f.severity === severity).length
  lines.push(
    `${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} note(s).` +
      (hasErrors(findings) ? '' : ' No errors.'),
  )
  return `${lines.join('\n')}\n`
}
