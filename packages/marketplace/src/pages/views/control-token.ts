// The form an emulator started with a control token shows a browser that has not given it yet.
import { html, type SafeHtml } from '@saas-fulfillment/web';

export function controlTokenPage(next: string): SafeHtml {
  return html`<h1>Control token</h1>
<section><p>This emulator was started with a control token (<code>--control-token</code> or <code>SIMULATOR_CONTROL_TOKEN</code>), as on a machine other people use too. Type it once; this browser keeps a proof of it until it closes.</p>
<form method="post" action="/control-token"><input type="hidden" name="next" value="${next}">
<label for="token">Control token</label><input id="token" name="token" type="password" autocomplete="current-password" required class="wide">
<p><button type="submit">Continue</button></p></form></section>`;
}
