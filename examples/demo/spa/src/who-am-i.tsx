import { useState } from 'react'
import { useCoatcheck } from '@coatcheck/react'

/** Calls the API through Coatcheck and shows what it answered. */
export function WhoAmI() {
  const coatcheck = useCoatcheck()
  const [answer, setAnswer] = useState('')
  const call = async () => {
    const response = await coatcheck.fetch('/api/demo/whoami')
    setAnswer(JSON.stringify(await response.json(), null, 2))
  }
  return (
    <>
      <button id="call-api" type="button" onClick={() => void call()}>
        Call API
      </button>
      {answer && (
        <pre id="api-result" tabIndex={0}>
          {answer}
        </pre>
      )}
    </>
  )
}
