import { useEffect, useRef, useState } from 'react'
import { useCoatcheck } from '@coatcheck/react'
import { runPayload, type Finding } from './xss-payload.ts'

/**
 * The XSS lab: what a script injected into this page can and cannot do. First markup is
 * injected the way a stored-XSS bug would (`innerHTML`) and the CSP stops its inline
 * script. Then the payload runs anyway, as if it came from a compromised dependency that
 * the CSP allows, and reports honestly what it reached.
 */
export function XssLab() {
  const coatcheck = useCoatcheck()
  const sink = useRef<HTMLDivElement>(null)
  const [blocked, setBlocked] = useState<string[]>([])
  const [findings, setFindings] = useState<Finding[]>()

  useEffect(() => {
    const onViolation = (event: SecurityPolicyViolationEvent) =>
      setBlocked((seen) => [
        ...seen,
        `${event.effectiveDirective} blocked ${event.blockedURI || 'an inline script'}`,
      ])
    document.addEventListener('securitypolicyviolation', onViolation)
    return () => document.removeEventListener('securitypolicyviolation', onViolation)
  }, [])

  const inject = () => {
    // The bug this lab plays: user content written as HTML. The handler is inline script,
    // which `script-src 'self'` refuses to run.
    sink.current!.innerHTML =
      '<img src="/favicon.svg" alt="injected" onload="document.title = \'pwned\'">'
  }

  return (
    <section aria-labelledby="lab-title" className="lab">
      <h2 id="lab-title">XSS lab</h2>
      <h3>1. Injected markup</h3>
      <button id="inject" type="button" onClick={inject}>
        Inject an inline script
      </button>
      <div ref={sink} />
      <ul id="csp-violations">
        {blocked.map((line, index) => (
          <li key={index}>{line}</li>
        ))}
      </ul>
      <h3>2. The attacker's code runs anyway</h3>
      <p>
        A compromised dependency is served from this origin, so the CSP lets it run. What can it
        reach?
      </p>
      <button
        id="run-payload"
        type="button"
        onClick={() => void runPayload(coatcheck).then(setFindings)}
      >
        Run the payload
      </button>
      {findings && (
        <ul id="findings">
          {findings.map((finding) => (
            <li key={finding.what} data-reached={finding.reached ? 'yes' : 'no'}>
              <strong>{finding.reached ? 'Reached' : 'Not reached'}:</strong> {finding.what}.{' '}
              {finding.detail}
            </li>
          ))}
        </ul>
      )}
      <p>
        No token to steal, and nowhere to send anything: but while this page is open, the attacker
        acts as you through the session. That is why the CSP and output encoding still matter with a
        BFF.
      </p>
    </section>
  )
}
