/**
 * The page of the `dashboard` path: a live view of one realm, built on the client's browser
 * bundle (served beside it) and the WAMP meta API, so it sees what the role it joins as may see.
 * Figures: sessions, subscriptions, registrations, and each session's authid, authrole,
 * transport, peer and join time (`joined` of `wamp.session.get`); the node's message rates in
 * and out as a live chart, from the dashboard path's own `activity` (the meta API has no message
 * counts); and, when the node is a cluster member, the cluster's nodes from
 * `interchange.cluster.nodes` (packages/server/src/cluster/cluster-nodes-procedure.ts). Each
 * figure carries `data-realm` and `data-metric` for scripts and tests. It refreshes on the
 * session meta events and every few seconds.
 */

/** What the page needs to connect. */
export interface DashboardPageOptions {
  realm: string;
  /** The URL path of the WebSocket service to connect to, on the page's own host (`/ws`). */
  websocket: string;
  /** The client bundle's URL, relative to the page. */
  bundle: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page, as HTML. */
export function dashboardPage(options: DashboardPageOptions): string {
  const realm = escapeHtml(options.realm);
  // JSON in a script element: `<` escaped so no value can close the element.
  const settings = JSON.stringify({ realm: options.realm, websocket: options.websocket }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Interchange dashboard: ${realm}</title>
<style>
body { font: 15px system-ui, sans-serif; margin: 2rem; color: #1d2733; }
h1 { font-size: 1.4rem; } .figures { display: flex; gap: 1rem; margin: 1rem 0; }
.figure { border: 1px solid #c8d3df; border-radius: 8px; padding: .8rem 1.2rem; min-width: 9rem; }
.figure b { display: block; font-size: 2rem; } table { border-collapse: collapse; }
td, th { border-bottom: 1px solid #e1e7ee; padding: .3rem .8rem; text-align: left; }
#status { color: #5b6b7c; }
</style></head>
<body>
<h1>Realm <code>${realm}</code></h1>
<p id="status">connecting…</p>
<div class="figures">
  <div class="figure">Sessions <b data-realm="${realm}" data-metric="sessions">–</b></div>
  <div class="figure">Subscriptions <b data-realm="${realm}" data-metric="subscriptions">–</b></div>
  <div class="figure">Registrations <b data-realm="${realm}" data-metric="registrations">–</b></div>
  <div class="figure">Messages in /s <b data-realm="${realm}" data-metric="messages-received-rate">–</b></div>
  <div class="figure">Messages out /s <b data-realm="${realm}" data-metric="messages-sent-rate">–</b></div>
</div>
<svg id="chart" width="600" height="120" viewBox="0 0 600 120" data-realm="${realm}" data-metric="message-rates-chart"
  style="border:1px solid #c8d3df;border-radius:8px"><polyline id="in" fill="none" stroke="#1b6ac9" stroke-width="2" points=""/>
<polyline id="out" fill="none" stroke="#e08a00" stroke-width="2" points=""/></svg>
<p style="color:#5b6b7c;font-size:13px">messages in (blue) and out (orange) per second, all realms of the node, last 60 samples</p>
<table><thead><tr><th>session</th><th>authid</th><th>authrole</th><th>transport</th><th>peer</th><th>joined at</th></tr></thead>
<tbody data-realm="${realm}" data-metric="session-list"></tbody></table>
<section id="cluster" hidden>
<h2 style="font-size:1.1rem">Cluster nodes <span data-realm="${realm}" data-metric="cluster-node-count">–</span></h2>
<table><thead><tr><th>node</th><th>alive since</th><th>last heartbeat</th></tr></thead>
<tbody data-realm="${realm}" data-metric="cluster-node-list"></tbody></table>
</section>
<script id="settings" type="application/json">${settings}</script>
<script src="${escapeHtml(options.bundle)}"></script>
<script>
const settings = JSON.parse(document.getElementById('settings').textContent);
const status = document.getElementById('status');
const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
const connection = new interchange.Connection({ url: scheme + '://' + location.host + settings.websocket, realm: settings.realm });
const figure = (metric) => document.querySelector('[data-metric="' + metric + '"]');
const count = (list) => list.exact.length + list.prefix.length + list.wildcard.length;
let session;
// A time shown in local time, its ISO-8601 value kept in a <time datetime> for scripts.
function when(iso) {
  if (!iso) return '–';
  const time = document.createElement('time');
  time.dateTime = iso;
  time.textContent = new Date(iso).toLocaleString();
  return time;
}
// A row whose cells carry their own data-metric, read as [metric, value] pairs.
function tableRow(metric, cells) {
  const row = document.createElement('tr');
  row.dataset.realm = settings.realm;
  row.dataset.metric = metric;
  for (const [name, value] of cells) {
    const cell = document.createElement('td');
    cell.dataset.metric = name;
    if (value instanceof Node) cell.append(value);
    else cell.textContent = String(value);
    row.append(cell);
  }
  return row;
}
// The cluster's nodes, when the node is a cluster member: without a cluster the router has no
// such procedure, and the section stays hidden.
let clustered = true;
async function refreshCluster() {
  if (!clustered) return;
  let nodes;
  try {
    nodes = (await session.call('interchange.cluster.nodes')).args[0];
  } catch (error) {
    if (error.uri === 'wamp.error.no_such_procedure') {
      clustered = false;
    } else {
      // E.g. a role not allowed to call it: say so where the nodes would be.
      document.getElementById('cluster').hidden = false;
      figure('cluster-node-count').textContent = 'cannot read: ' + (error.uri || error.message);
    }
    return;
  }
  document.getElementById('cluster').hidden = false;
  figure('cluster-node-count').textContent = String(nodes.length);
  figure('cluster-node-list').replaceChildren(...nodes.map((n) => tableRow('cluster-node', [
    ['node', n.node + (n.self ? ' (this node)' : '')], ['alive-since', when(n.alive_since)],
    ['last-heartbeat', when(n.last_heartbeat)],
  ])));
}
async function refresh() {
  if (session === undefined || !session.isOpen) return;
  try {
    const [sessions, subscriptions, registrations] = await Promise.all([
      session.call('wamp.session.list'),
      session.call('wamp.subscription.list'),
      session.call('wamp.registration.list'),
    ]);
    const ids = sessions.args[0];
    figure('sessions').textContent = String(ids.length);
    figure('subscriptions').textContent = String(count(subscriptions.args[0]));
    figure('registrations').textContent = String(count(registrations.args[0]));
    const details = await Promise.all(ids.map((id) => session.call('wamp.session.get', [id]).then((r) => r.args[0], () => undefined)));
    figure('session-list').replaceChildren(...details.filter(Boolean).map((d) => tableRow('session', [
      ['session-id', d.session], ['authid', d.authid], ['authrole', d.authrole],
      ['transport', d.transport.type + ' (' + d.transport.serializer + ')'], ['peer', d.transport.peer],
      ['joined', when(d.joined)],
    ])));
    await refreshCluster();
    status.textContent = 'live, updated ' + new Date().toLocaleTimeString();
  } catch (error) {
    status.textContent = 'cannot read the meta API: ' + (error.uri || error.message);
  }
}
connection.onopen = async (opened) => {
  session = opened;
  await session.subscribe('wamp.session.on_join', refresh);
  await session.subscribe('wamp.session.on_leave', refresh);
  refresh();
};
connection.onclose = (reason, details) => {
  session = undefined;
  status.textContent = 'disconnected (' + (details.reason || reason) + ')' + (details.will_retry ? ', reconnecting…' : '');
  return false;
};
setInterval(refresh, 3000);
// Message rates: the node's totals every 2 s, as a rate and a chart of the last 60 samples.
let last;
const history = [];
async function sampleRates() {
  try {
    const now = { at: performance.now(), ...(await (await fetch('activity', { cache: 'no-store' })).json()) };
    if (last !== undefined) {
      const seconds = (now.at - last.at) / 1000;
      const rate = { in: (now.messagesReceived - last.messagesReceived) / seconds, out: (now.messagesSent - last.messagesSent) / seconds };
      figure('messages-received-rate').textContent = rate.in.toFixed(1);
      figure('messages-sent-rate').textContent = rate.out.toFixed(1);
      history.push(rate);
      if (history.length > 60) history.shift();
      const top = Math.max(1, ...history.map((r) => Math.max(r.in, r.out)));
      const points = (key) => history.map((r, i) => (i * 10) + ',' + (115 - (r[key] / top) * 110).toFixed(1)).join(' ');
      document.getElementById('in').setAttribute('points', points('in'));
      document.getElementById('out').setAttribute('points', points('out'));
    }
    last = now;
  } catch {
    // The node is away; the status line says so.
  }
}
sampleRates();
setInterval(sampleRates, 2000);
connection.open();
</script>
</body></html>
`;
}
