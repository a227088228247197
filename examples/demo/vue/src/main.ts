// The Vue example: the same session and the same rules as the React SPA, on its own origin,
// with the `v-can` directive hiding what the API would refuse.
import { createApp } from 'vue'
import { createCoatcheck } from '@coatcheck/client'
import { casl } from '@coatcheck/client/permissions'
import { createCoatcheckPlugin } from '@coatcheck/vue'
import App from './app.vue'

const meta = document.querySelector('meta[name="coatcheck-url"]')?.getAttribute('content')
if (!meta) throw new Error('Serve this page with the demo SPA server: no coatcheck-url')
const coatcheck = createCoatcheck({ baseUrl: meta, permissions: casl() })
createApp(App).use(createCoatcheckPlugin(coatcheck)).mount('#app')
